// Turns terminal bytes into the screen a user would see, with a headless xterm.
import xterm from '@xterm/headless'

export async function screenOf(bytes: string, columns: number, rows: number): Promise<string[]> {
  const terminal = new xterm.Terminal({allowProposedApi: true, cols: columns, rows, scrollback: 10_000})
  await new Promise<void>((resolve) => terminal.write(bytes.replaceAll(/(?<!\r)\n/g, '\r\n'), resolve))
  const buffer = terminal.buffer.active
  const lines: string[] = []
  for (let i = 0; i < buffer.length; i++) lines.push((buffer.getLine(i)?.translateToString(true) ?? '').trimEnd())
  while (lines.length > 0 && lines.at(-1) === '') lines.pop()
  terminal.dispose()
  return lines
}

/** Only the visible rows (what is on screen now, not the scrollback). */
export async function visibleScreen(bytes: string, columns: number, rows: number): Promise<string[]> {
  const all = await screenOf(bytes, columns, rows)
  return all.slice(Math.max(0, all.length - rows))
}

const escapeSequence = new RegExp(String.raw`\u001B\[[0-9;?]*[A-Za-z]`, 'g')

/** The text of terminal output without its CSI escape sequences (colours, cursor moves). */
export function visibleText(bytes: string): string {
  return bytes.replaceAll(escapeSequence, '')
}
