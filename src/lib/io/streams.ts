// The IO streams a command works with, with the terminal facts it needs. Commands get the real ones;
// tests hand in fakes (or a real pseudo-terminal) to see exactly what a user would.

export interface TextOutput {
  write(text: string): unknown
  readonly isTTY: boolean
  /** Terminal width; 0 when not a terminal. */
  readonly columns: number
  /** Terminal height; 0 when not a terminal. */
  readonly rows: number
}

export interface TextInput extends AsyncIterable<string | Buffer> {
  readonly isTTY: boolean
}

export interface IOStreams {
  out: TextOutput
  err: TextOutput
  in: NodeJS.ReadStream | TextInput
  env: NodeJS.ProcessEnv
}

function describe(stream: NodeJS.WriteStream): TextOutput {
  return {
    get columns() { return stream.isTTY ? stream.columns || 80 : 0 },
    get isTTY() { return Boolean(stream.isTTY) },
    get rows() { return stream.isTTY ? stream.rows || 24 : 0 },
    write: (text: string) => stream.write(text),
  }
}

let epipeGuarded = false

/** The process's own streams. A reader that goes away (`dkr … | head -1`) ends dkr quietly, not with an EPIPE trace. */
export function systemStreams(env: NodeJS.ProcessEnv = process.env): IOStreams {
  if (!epipeGuarded) {
    epipeGuarded = true
    for (const stream of [process.stdout, process.stderr]) {
      stream.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
        throw error
      })
    }
  }

  return {
    env,
    err: describe(process.stderr),
    // Node makes process.stdin when first asked (a TTY or pipe handle, some milliseconds): only logins
    // and prompts read it.
    get in() { return process.stdin },
    out: describe(process.stdout),
  }
}
