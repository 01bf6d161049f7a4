// Runs dkr (and the docker CLI, as an oracle) as a user would: a real process, real streams.
import {spawn} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

export const projectRoot = resolve(import.meta.dirname, '..', '..')
export const dkrBin = join(projectRoot, 'bin', 'run.js')

export interface RunResult {
  stdout: string
  stderr: string
  code: number | null
  signal: NodeJS.Signals | null
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  /** Where it runs (default: this process's directory). */
  cwd?: string
  input?: string
  timeoutMs?: number
  /** Called once the process is running (e.g. to send it a signal). */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void
  /** Called with each stdout chunk as it arrives. */
  onStdout?: (text: string, child: import('node:child_process').ChildProcess) => void
}

/** A fresh, empty DOCKER_CONFIG directory: tests never read or write the user's. */
export function tempConfigDir(): string {
  return mkdtempSync(join(tmpdir(), 'dkr-config-'))
}

/** The environment every spawned process gets: the stack's, no colour, and a private config dir. */
export function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...process.env, DOCKER_CLI_HINTS: 'false', DOCKER_CONFIG: tempConfigDir(), NO_COLOR: '1'}
  delete env.FORCE_COLOR
  delete env.DOCKER_CONTENT_TRUST
  return {...env, ...extra}
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {cwd: options.cwd, env: options.env ?? baseEnv(), stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${options.timeoutMs ?? 60_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`))
    }, options.timeoutMs ?? 60_000)
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk
      options.onStdout?.(chunk, child)
    })
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolvePromise({code, signal, stderr, stdout})
    })
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
    options.onSpawn?.(child)
  })
}

export function dkr(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [dkrBin, ...args], options)
}

export function docker(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run('docker', args, options)
}
