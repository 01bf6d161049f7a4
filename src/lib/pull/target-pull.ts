// One target of a plan: one engine pulling one reference (a name, or a pinned digest), attempted again
// from the outside when it fails in a way that may get better (retry.ts), each attempt under its own
// stall watchdog (stall-watchdog.ts). What the stream says goes to the caller as it comes; what the
// pull moved is tallied for its result.
import {DkrError} from '../errors.js'
import type {EngineClient, PullRequest} from '../engine/client.js'
import {messageError, type JsonMessage} from '../progress/json-message.js'
import {Tally} from '../progress/tally.js'
import {retryLine, withRetries} from './retry.js'
import {watchStalls} from './stall-watchdog.js'

export interface TargetPull {
  engine: EngineClient
  request: PullRequest
  /** The reference as retry and stall lines name it. */
  what: string
  /** Attempts after a failed one that may get better (--retry). */
  retries: number
  retryDelayMs?: number
  /** 0: no watchdog. */
  stallTimeoutMs: number
  signal: AbortSignal
  /** Before each attempt: e.g. a fleet's check that the engine answers within its connect timeout. */
  connect?: (signal: AbortSignal) => Promise<void>
  onMessage(message: JsonMessage): void
  /** The one line a retry prints. */
  onRetry(line: string): void
}

/** Runs the target to its end: the tally of its last attempt and how many attempts it took; throws the final failure. */
export async function pullTarget(target: TargetPull): Promise<{tally: Tally; attempts: number}> {
  const {engine, request, signal, what} = target
  const retry = {delayMs: target.retryDelayMs, onRetry: (notice: Parameters<typeof retryLine>[1]) => target.onRetry(retryLine(what, notice)), retries: target.retries, signal}
  const {attempts, value: tally} = await withRetries(retry, () => watchStalls({signal, timeoutMs: target.stallTimeoutMs, what}, async (attemptSignal, saw) => {
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
  }))
  return {attempts, tally}
}
