// How a pull on several engines shows itself: a live view with one line per engine (fleet-view.ts), or
// docker's plain lines prefixed with the engine's name, or nothing but the retry lines (-q, --json).
// The fleet talks to this interface only.
import type {TextOutput} from '../io/streams.js'
import {newFleetView, setBytes, setPhase, takeFleetFrame, type FleetViewState, type TargetPhase} from '../progress/fleet-view.js'
import type {JsonMessage} from '../progress/json-message.js'
import {PlainRenderer} from '../progress/plain-renderer.js'
import {Tally} from '../progress/tally.js'
import type {Frame, ScreenSize} from '../progress/tty-view.js'
import {PacedTerminalView} from './display.js'

export interface FleetDisplay {
  /** A target's phase; `detail` says why it failed, or the retry line. */
  phase(index: number, phase: TargetPhase, detail?: string): void
  message(index: number, message: JsonMessage): void
  /** A target's own line of dkr's (docker's trusted-pull lines: `Pull (1 of 1): …`, `Tagging …`). */
  line(index: number, text: string): void
  /** Draws what is left and restores the terminal. */
  close(): void
  /** Stops drawing at once (Ctrl-C): the last complete frame stays, the cursor comes back. */
  abandon(): void
}

/** -q and --json: the document or the result lines are the output; retries go to stderr. */
export class QuietFleetDisplay implements FleetDisplay {
  constructor(private readonly err: TextOutput, private readonly labels: readonly string[]) {}
  phase(index: number, phase: TargetPhase, detail?: string): void {
    if (phase === 'retrying' && detail) this.err.write(`${this.labels[index]}: ${detail}\n`)
  }

  message(): void {}
  line(): void {}
  close(): void {}
  abandon(): void {}
}

/** Logs: docker's plain lines, each prefixed with its target's label. */
export class PlainFleetDisplay implements FleetDisplay {
  private readonly renderers: PlainRenderer[]

  constructor(private readonly out: TextOutput, private readonly labels: readonly string[], private readonly now: () => number) {
    this.renderers = labels.map((label) => new PlainRenderer({prefix: `${label}: `}))
  }

  phase(index: number, phase: TargetPhase, detail?: string): void {
    if ((phase === 'failed' || phase === 'retrying') && detail) this.line(index, phase === 'failed' ? `failed: ${detail}` : detail)
  }

  message(index: number, message: JsonMessage): void {
    const lines = this.renderers[index].push(message, this.now())
    if (lines.length > 0) this.out.write(lines.join('\n') + '\n')
  }

  line(index: number, text: string): void {
    this.out.write(`${this.labels[index]}: ${text}\n`)
  }

  close(): void {}
  abandon(): void {}
}

export interface FleetTtyOptions {
  now: () => number
  /** Milliseconds between frames: redraws are coalesced to this rate. */
  frameIntervalMs?: number
}

/** A terminal: one line per engine at work, the finished ones counted, a total; redrawn at a steady rate. */
export class TtyFleetDisplay extends PacedTerminalView implements FleetDisplay {
  private state: FleetViewState
  private readonly tallies: Tally[]

  constructor(out: TextOutput, labels: readonly string[], options: FleetTtyOptions) {
    // Many engines send many messages; a frame every 100 ms is as smooth to the eye and costs less.
    super(out, options.now, options.frameIntervalMs ?? 100)
    this.state = newFleetView(labels, options.now())
    this.tallies = labels.map(() => new Tally())
  }

  phase(index: number, phase: TargetPhase, detail?: string): void {
    // A new attempt starts its count again.
    if (phase === 'retrying') this.tallies[index] = new Tally()
    this.state = setPhase(this.state, index, phase, this.now(), detail)
    this.schedule()
  }

  message(index: number, message: JsonMessage): void {
    this.tallies[index].add(message)
    this.schedule()
  }

  line(): void {}

  protected frame(now: number, size: ScreenSize): Frame {
    const [frame, next] = takeFleetFrame(setBytes(this.state, this.tallies.map((tally) => tally.summary())), size, now)
    this.state = next
    return frame
  }
}
