// Running a child program (a credential helper) so that it can never outlive its deadline: it starts in
// a process group of its own, and a timeout, Ctrl-C or dkr's exit kills the whole group (a `#!/bin/sh`
// helper's `sleep` too) and lets go of its pipes, which a surviving grandchild would otherwise hold open
// and keep dkr alive. dkr's only other remote transport, ssh, runs in process (ssh2): no child to kill.
import {spawn, type ChildProcess} from 'node:child_process'
import {cancelledBy} from '../errors.js'

export interface ChildOptions {
  env: NodeJS.ProcessEnv
  input: string
  timeoutMs: number
  stderr: 'ignore' | 'inherit'
  signal?: AbortSignal
}

export type ChildOutcome =
  | {kind: 'exited'; code: number | null; signal: NodeJS.Signals | null; stdout: string}
  | {kind: 'failed'; error: NodeJS.ErrnoException; stdout: string}
  | {kind: 'timed out'; stdout: string}

/** Far more than any helper's answer: a child writing without end is stopped, not buffered. */
const maxOutputChars = 1024 * 1024

/** SIGKILL to the child's whole group; harmless when it is gone already. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    // the group has exited already
  }
}

/** Runs `program args` to its end or its deadline; rejects only with the cancellation of `signal`. */
export function runChild(program: string, args: readonly string[], options: ChildOptions): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(cancelledBy(options.signal))
    // stderr is passed through as a descriptor, not a pipe, so only stdin and stdout need letting go of.
    const child = spawn(program, args, {detached: true, env: options.env, stdio: ['pipe', 'pipe', options.stderr]})
    let stdout = ''
    let settled = false
    const onExit = () => killGroup(child)
    const settle = (outcome: ChildOutcome | Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      process.off('exit', onExit)
      if (outcome instanceof Error) reject(outcome)
      else resolve(outcome)
    }

    /** The deadline or Ctrl-C: the group dies, its pipes are dropped, and the answer is given now. */
    const stop = (outcome: ChildOutcome | Error) => {
      killGroup(child)
      child.stdin?.destroy()
      child.stdout?.destroy()
      settle(outcome)
    }

    function onAbort() {
      stop(cancelledBy(options.signal!))
    }

    const timer = setTimeout(() => stop({kind: 'timed out', stdout}), options.timeoutMs)
    options.signal?.addEventListener('abort', onAbort, {once: true})
    process.on('exit', onExit)
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (chunk: string) => {
      if (stdout.length + chunk.length > maxOutputChars) {
        stop({error: Object.assign(new Error(`${program} wrote more than 1 MiB`), {code: 'EOVERFLOW'}), kind: 'failed', stdout: stdout.slice(0, 80)})
        return
      }

      stdout += chunk
    })
    child.on('error', (error: NodeJS.ErrnoException) => settle({error, kind: 'failed', stdout}))
    // The helper is done once it exits: whatever it left running in its group is killed, so the pipe
    // closes and the output written before the exit is read to its end.
    child.on('exit', (code, signal) => {
      killGroup(child)
      const done = () => settle({code, kind: 'exited', signal, stdout})
      if (child.stdout!.closed) done()
      else child.stdout!.once('close', done)
    })
    child.stdin!.on('error', () => {})
    child.stdin!.end(options.input)
  })
}
