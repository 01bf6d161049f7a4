// The docker-credential-<name> protocol: `get`, `store`, `erase` and `list`, each a process with its
// input on stdin and its answer on stdout. Errors are worded as docker words them. A hanging helper is
// killed after a timeout, with everything it started (../io/child-process.ts).
import {runChild} from '../io/child-process.js'
import {isCancelled} from '../errors.js'

export const notFoundText = 'credentials not found in native keychain'
export const defaultHelperTimeoutMs = 15_000

export interface HelperCredentials {
  ServerURL: string
  Username: string
  Secret: string
}

export class HelperError extends Error {}

export type HelperAction = 'erase' | 'get' | 'list' | 'store'

export interface HelperOptions {
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
  /** The helper's stderr reaches the user (docker passes it through) unless this is a silent probe. */
  stderr?: 'ignore' | 'inherit'
  /** Ctrl-C: the helper is killed and the call rejects with the cancellation at once. */
  signal?: AbortSignal
}

/** DKR_CREDENTIAL_HELPER_TIMEOUT (seconds) shortens or lengthens the wait for slow helpers. */
function helperTimeoutFromEnv(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.DKR_CREDENTIAL_HELPER_TIMEOUT)
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : defaultHelperTimeoutMs
}

/** Runs one helper action; resolves with stdout, rejects with docker's `err: …, out: …` wording. */
export async function runHelper(name: string, action: HelperAction, input: string, options: HelperOptions = {}): Promise<string> {
  const program = `docker-credential-${name}`
  const timeoutMs = options.timeoutMs ?? helperTimeoutFromEnv(options.env ?? process.env)
  const outcome = await runChild(program, [action], {env: options.env ?? process.env, input, signal: options.signal, stderr: options.stderr ?? 'inherit', timeoutMs})
  const failure = (error: string) => new HelperError(`err: ${error}, out: \`${outcome.stdout.trim()}\``)
  if (outcome.kind === 'timed out') throw failure(`${program} did not answer within ${Math.round(timeoutMs / 1000)}s`)
  if (outcome.kind === 'failed') throw failure(outcome.error.code === 'ENOENT' ? `exec: "${program}": executable file not found in $PATH` : outcome.error.message)
  if (outcome.code !== 0) throw failure(outcome.signal ? `signal: ${outcome.signal}` : `exit status ${outcome.code}`)
  return outcome.stdout
}

/** `get`: undefined when the helper has nothing for this server. */
export async function helperGet(name: string, serverURL: string, options: HelperOptions = {}): Promise<HelperCredentials | undefined> {
  let out: string
  try {
    out = await runHelper(name, 'get', serverURL, options)
  } catch (error) {
    if (isCancelled(error)) throw error
    if (error instanceof HelperError && error.message.endsWith(`out: \`${notFoundText}\``)) return undefined
    throw new HelperError(`error getting credentials - ${(error as Error).message}`)
  }

  return parseGetAnswer(out, name, serverURL)
}

/** A `get` answer: `{"ServerURL","Username","Secret"}`, or docker's error quoting what the helper said. */
export function parseGetAnswer(out: string, name: string, serverURL: string): HelperCredentials {
  try {
    const parsed = JSON.parse(out) as Partial<HelperCredentials>
    if (typeof parsed.Username !== 'string' || typeof parsed.Secret !== 'string') throw new Error('missing fields')
    if (parsed.ServerURL != null && typeof parsed.ServerURL !== 'string') throw new Error('ServerURL is not a string')
    return {ServerURL: parsed.ServerURL ?? serverURL, Secret: parsed.Secret, Username: parsed.Username}
  } catch {
    throw new HelperError(`error getting credentials - err: invalid answer from docker-credential-${name}, out: \`${out.trim().slice(0, 80)}\``)
  }
}

/** `store`: identity tokens travel as the `<token>` username, as docker-credential-helpers expects. */
export async function helperStore(name: string, credentials: HelperCredentials, options: HelperOptions = {}): Promise<void> {
  try {
    await runHelper(name, 'store', `${JSON.stringify(credentials)}\n`, options)
  } catch (error) {
    if (isCancelled(error)) throw error
    throw new HelperError(`error storing credentials - ${(error as Error).message}`)
  }
}

export async function helperErase(name: string, serverURL: string, options: HelperOptions = {}): Promise<void> {
  try {
    await runHelper(name, 'erase', serverURL, options)
  } catch (error) {
    if (isCancelled(error)) throw error
    throw new HelperError(`error erasing credentials - ${(error as Error).message}`)
  }
}

/** `list` answers only when the helper's backing store works; dkr uses it to probe a helper before trusting it. */
export async function helperAnswers(name: string, options: HelperOptions = {}): Promise<boolean> {
  try {
    JSON.parse(await runHelper(name, 'list', 'unused', {...options, stderr: 'ignore'}))
    return true
  } catch {
    return false
  }
}
