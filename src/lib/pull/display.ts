// How a pull shows itself: quiet (result lines only), plain (log lines), or a live terminal view.
// The flow talks to this interface only, so it never knows which one it drives.
import type {TextOutput} from '../io/streams.js'
import {tookCodePath} from '../io/code-paths.js'
import type {JsonMessage} from '../progress/json-message.js'
import {PlainRenderer} from '../progress/plain-renderer.js'
import {Tally} from '../progress/tally.js'
import {TerminalWriter} from '../progress/terminal-writer.js'
import {applyAside, applyMessage, applyNote, finishPull, newView, takeFrame, type Frame, type ScreenSize, type TtyViewState} from '../progress/tty-view.js'

/** `retry`: the line a client-side retry prints (on stderr with -q or --json, where stdout is the result). */
export type NoteKind = 'info' | 'result' | 'retry'

export interface PullDisplay {
  /** A line of dkr's own: `info` (e.g. `Using default tag: latest`) or the `result` line a pull ends with. */
  note(index: number, kind: NoteKind, text: string): void
  message(index: number, message: JsonMessage): void
  /** dkr's own words for the total line (a live view has one; the others ignore them). */
  aside(text: string): void
  finish(index: number): void
  /** Draws what is left and restores the terminal. */
  close(): void
  /** Stops drawing at once (Ctrl-C): the last complete frame stays, the cursor comes back. */
  abandon(): void
}

/** `-q`: only the result lines; with `--json`, nothing at all (the JSON document is the output). Retries go to stderr. */
export class QuietDisplay implements PullDisplay {
  constructor(private readonly out: TextOutput, private readonly err: TextOutput, private readonly printResults: boolean) {}
  note(_index: number, kind: NoteKind, text: string): void {
    if (kind === 'result' && this.printResults) this.out.write(`${text}\n`)
    if (kind === 'retry') this.err.write(`${text}\n`)
  }

  message(): void {}
  aside(): void {}
  finish(): void {}
  close(): void {}
  abandon(): void {}
}

export class PlainDisplay implements PullDisplay {
  private readonly renderers: PlainRenderer[]

  constructor(private readonly out: TextOutput, private readonly prefixes: readonly string[], private readonly now: () => number, progressIntervalMs?: number) {
    this.renderers = prefixes.map((prefix) => new PlainRenderer({prefix, progressIntervalMs}))
  }

  note(index: number, _kind: NoteKind, text: string): void {
    this.out.write(`${this.prefixes[index]}${text}\n`)
  }

  message(index: number, message: JsonMessage): void {
    const lines = this.renderers[index].push(message, this.now())
    if (lines.length > 0) this.out.write(lines.join('\n') + '\n')
  }

  aside(): void {}
  finish(): void {}
  close(): void {}
  abandon(): void {}
}

/**
 * A live view on a terminal, drawn at a steady frame rate: changes schedule a frame (coalesced to the
 * interval), `frame` computes it from the view's state, and the writer turns it into bytes.
 */
export abstract class PacedTerminalView {
  private readonly writer: TerminalWriter
  private timer: NodeJS.Timeout | undefined
  private lastDrawAt = Number.NEGATIVE_INFINITY

  constructor(protected readonly out: TextOutput, protected readonly now: () => number, private readonly intervalMs: number) {
    this.writer = new TerminalWriter(out)
  }

  /** The frame for now, from the view's state (which it may advance). */
  protected abstract frame(now: number, size: ScreenSize): Frame

  /** Draws what is left and restores the terminal. */
  close(): void {
    this.cancelTimer()
    this.draw()
    this.writer.release()
  }

  /** Stops drawing at once (Ctrl-C): the last complete frame stays, the cursor comes back. */
  abandon(): void {
    this.cancelTimer()
    this.writer.release()
  }

  protected schedule(): void {
    if (this.timer) return
    const wait = Math.max(0, this.lastDrawAt + this.intervalMs - this.now())
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.draw()
    }, wait)
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }

  private draw(): void {
    const now = this.now()
    this.lastDrawAt = now
    // A live view forced into a pipe (progress preference `tty`) has no size: draw for a common terminal.
    this.writer.draw(this.frame(now, {columns: this.out.columns || 80, rows: this.out.rows || 24}))
  }
}

export interface TtyDisplayOptions {
  titles: readonly (string | undefined)[]
  now: () => number
  /** Milliseconds between frames: redraws are coalesced to this rate. */
  frameIntervalMs?: number
}

export class TtyDisplay extends PacedTerminalView implements PullDisplay {
  private state: TtyViewState
  /** Bytes per pull for the total line; kept here so the view itself stays a pure function of its input. */
  private readonly tallies: Tally[]

  constructor(out: TextOutput, options: TtyDisplayOptions) {
    super(out, options.now, options.frameIntervalMs ?? 66)
    tookCodePath('live view')
    this.state = newView(options.titles, options.now())
    this.tallies = options.titles.map(() => new Tally())
  }

  note(index: number, _kind: NoteKind, text: string): void {
    this.state = applyNote(this.state, index, text)
    this.schedule()
  }

  message(index: number, message: JsonMessage): void {
    this.tallies[index].add(message)
    this.state = applyMessage(this.state, index, message)
    this.schedule()
  }

  aside(text: string): void {
    this.state = applyAside(this.state, text)
    this.schedule()
  }

  finish(index: number): void {
    this.state = finishPull(this.state, index)
    this.schedule()
  }

  protected frame(now: number, size: ScreenSize): Frame {
    const progress = {downloaded: 0, total: 0}
    for (const tally of this.tallies) {
      const {downloaded, total} = tally.summary()
      progress.downloaded += downloaded
      progress.total += total
    }

    const [frame, next] = takeFrame(this.state, size, now, progress)
    this.state = next
    return frame
  }
}
