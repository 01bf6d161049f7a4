// Turns frames into terminal bytes. Only lines that changed since the last frame are rewritten, and
// each frame goes out in one write, so an interrupted pull never leaves half a frame on screen.
import type {TextOutput} from '../io/streams.js'
import type {Frame} from './tty-view.js'

const esc = '\u001B['
export const hideCursor = `${esc}?25l`
export const showCursor = `${esc}?25h`

/**
 * The bytes that turn the `drawn` live lines into `next` (commit lines first, then live lines).
 * The cursor starts and ends at column 0 of the row just below the live lines.
 */
export function frameBytes(drawn: readonly string[], next: readonly string[]): string {
  let out = ''
  let row = drawn.length
  const moveTo = (target: number) => {
    if (target < row) out += `${esc}${row - target}A`
    else if (target > row) out += `${esc}${target - row}B`
    row = target
  }

  const common = Math.min(drawn.length, next.length)
  for (let i = 0; i < common; i++) {
    if (drawn[i] !== next[i]) {
      moveTo(i)
      out += `\r${esc}2K${next[i]}`
    }
  }

  if (next.length >= drawn.length) {
    moveTo(drawn.length)
    if (out !== '' || next.length > drawn.length) out += '\r'
    for (let i = drawn.length; i < next.length; i++) out += `${esc}2K${next[i]}\n`
  } else {
    moveTo(next.length)
    out += `\r${esc}J`
  }

  return out
}

export class TerminalWriter {
  private drawn: string[] = []
  private cursorHidden = false

  constructor(private readonly out: TextOutput) {}

  draw(frame: Frame): void {
    const bytes = frameBytes(this.drawn, [...frame.commit, ...frame.live])
    this.drawn = frame.live
    if (bytes === '') return
    if (!this.cursorHidden) {
      this.cursorHidden = true
      this.out.write(hideCursor + bytes)
    } else {
      this.out.write(bytes)
    }
  }

  /** Shows the cursor again; safe to call more than once (normal end, error, Ctrl-C). */
  release(): void {
    if (this.cursorHidden) {
      this.cursorHidden = false
      this.out.write(showCursor)
    }
  }
}
