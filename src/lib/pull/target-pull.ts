// One target of a plan: one engine pulling one reference (a name, or a pinned digest), attempted again
// from the outside when it fails in a way that may get better (retry.ts), each attempt under its own
// stall watchdog (stall-watchdog.ts). What the stream says goes to the caller as it comes; what the
// pull moved is tallied for its result. A refusal because Docker Hub's quota ran out ends it in one line
// (quota.ts).
import type {Cli} from '../cli/context.js'
import {encodeRegistryAuth, type AuthConfig} from '../credentials/auth-config.js'
import {DkrError} from '../errors.js'
import type {EngineClient, PullRequest} from '../engine/client.js'
import {messageError, type JsonMessage} from '../progress/json-message.js'
import {Tally} from '../progress/tally.js'
import type {ImageReference} from '../reference/parse.js'
import type {RepositoryInfo} from '../registry/repository-info.js'
import {explainQuota} from './quota.js'
import type {ExecuteOptions} from './result.js'
import {retryLine, withRetries} from './retry.js'
import {watchStalls} from './stall-watchdog.js'

export interface TargetPull {
  engine: EngineClient
  /** The engine's request, but for the credentials: `auth` is sent as X-Registry-Auth. */
  request: Omit<PullRequest, 'registryAuth'>
  /** The image the request names, whose registry a quota refusal is explained by. */
  image: {ref: ImageReference; info: RepositoryInfo}
  auth: AuthConfig
  /** The reference as retry and stall lines name it. */
  what: string
  /** --retry, --retry-delay and --stall-timeout (0: no watchdog). */
  options: Pick<ExecuteOptions, 'retries' | 'retryDelayMs' | 'stallTimeoutMs'>
  /** Before each attempt: e.g. a fleet's check that the engine answers within its connect timeout. */
  connect?: (signal: AbortSignal) => Promise<void>
  onMessage(message: JsonMessage): void
  /** The one line a retry prints. */
  onRetry(line: string): void
}

/** Runs the target to its end: the tally of its last attempt and how many attempts it took; throws the final failure. */
export async function pullTarget(cli: Cli, target: TargetPull): Promise<{tally: Tally; attempts: number}> {
  const {engine, image, options, what} = target
  const {signal} = cli
  const request: PullRequest = {...target.request, registryAuth: encodeRegistryAuth(target.auth)}
  const retry = {delayMs: options.retryDelayMs, onRetry: (notice: Parameters<typeof retryLine>[1]) => target.onRetry(retryLine(what, notice)), retries: options.retries, signal}
  const {attempts, value: tally} = await withRetries(retry, () => watchStalls({signal, timeoutMs: options.stallTimeoutMs, what}, async (attemptSignal, saw) => {
    await target.connect?.(attemptSignal)
    const messages = await engine.pull(request, attemptSignal)
    const tally = new Tally()
    for await (const message of messages) {
      saw(message)
      const error = messageError(message)
      if (error !== undefined) throw new DkrError(error)
      tally.add(message)
      target.onMessage(message)
    }

    return tally
  })).catch(async (error: unknown) => {
    throw await explainQuota(cli, image.ref, image.info, target.auth, error)
  })
  return {attempts, tally}
}
