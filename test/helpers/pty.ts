// Runs a command in a real pseudo-terminal (node-pty) and returns the raw bytes it wrote.
import pty from 'node-pty'

export interface PtyRun {
  bytes: string
  exitCode: number
}

export function runInPty(file: string, args: string[], options: {columns: number; rows: number; env: NodeJS.ProcessEnv; onData?: (all: string, term: pty.IPty) => void; timeoutMs?: number}): Promise<PtyRun> {
  return new Promise((resolve, reject) => {
    const term = pty.spawn(file, args, {cols: options.columns, env: options.env as Record<string, string>, name: options.env.TERM ?? 'xterm-256color', rows: options.rows})
    let bytes = ''
    const timer = setTimeout(() => {
      term.kill('SIGKILL')
      reject(new Error(`${file} ${args.join(' ')} timed out in the pty; output so far: ${JSON.stringify(bytes.slice(-500))}`))
    }, options.timeoutMs ?? 60_000)
    term.onData((data) => {
      bytes += data
      options.onData?.(bytes, term)
    })
    term.onExit(({exitCode}) => {
      clearTimeout(timer)
      // Let the last bytes drain from the pty before reporting.
      setTimeout(() => resolve({bytes, exitCode}), 50)
    })
  })
}
