// Client-side retry around the engine pull (step 5), as podman's --retry and --retry-delay: an attempt
// that failed in a way that may get better (transient.ts) is made again after a delay, a fixed one or
// 2 s doubling each time; anything else fails at once. Ctrl-C during a delay ends it at once. The
// final failure says how many attempts were made.
import {cancelledBy, DkrError, isCancelled} from '../errors.js'
import {formatDuration, maxTimerMs} from '../io/duration.js'
import {failureKind} from './transient.js'

export interface RetryOptions {
  /** Attempts after the first one (0: docker's behaviour, no retry). */
  retries: number
  /** A fixed delay between attempts; without it 2 s, then 4 s, 8 s… */
  delayMs?: number
  signal: AbortSignal
  /** Told before each delay: the one line a retry prints. */
  onRetry(notice: RetryNotice): void
}

export interface RetryNotice {
  /** The attempt about to be made (2 for the first retry) and how many there may be. */
  attempt: number
  of: number
  delayMs: number
  reason: string
}

export const firstBackoffMs = 2000

/** How long to wait before attempt `attempt` (2, 3, …). */
export function retryDelay(attempt: number, fixedMs: number | undefined): number {
  return fixedMs ?? firstBackoffMs * 2 ** (attempt - 2)
}

/** The last failure of a pull that was attempted more than once, with the count. */
export class AttemptsError extends DkrError {
  constructor(readonly last: Error, readonly attempts: number) {
    super(`${last.message} (gave up after ${attempts} attempts)`, {cause: last, exitCode: (last as DkrError).exitCode, hint: (last as DkrError).hint})
    this.name = 'AttemptsError'
  }
}

/** How many attempts a pull's failure took: 1 unless the retry loop says otherwise. */
export function attemptsOf(error: unknown): number {
  return error instanceof AttemptsError ? error.attempts : 1
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(cancelledBy(signal))
    const onAbort = () => {
      clearTimeout(timer)
      reject(cancelledBy(signal))
    }

    let timer: NodeJS.Timeout
    // --retry-delay takes Go's durations and the backoff doubles: either may pass one timer's limit.
    const wait = (remainingMs: number) => {
      timer = setTimeout(() => {
        if (remainingMs > maxTimerMs) return wait(remainingMs - maxTimerMs)
        signal.removeEventListener('abort', onAbort)
        resolve()
      }, Math.min(remainingMs, maxTimerMs))
    }

    wait(ms)
    signal.addEventListener('abort', onAbort, {once: true})
  })
}

/** Runs `attempt` until it succeeds, fails for good, or the retries are used up. */
export async function withRetries<T>(options: RetryOptions, attempt: (number: number) => Promise<T>): Promise<{value: T; attempts: number}> {
  const of = options.retries + 1
  for (let number = 1; ; number++) {
    try {
      return {attempts: number, value: await attempt(number)}
    } catch (error) {
      if (isCancelled(error) || options.signal.aborted) throw options.signal.aborted ? cancelledBy(options.signal) : error
      const last = error as Error
      if (number >= of || failureKind(last) === 'permanent') throw number > 1 ? new AttemptsError(last, number) : last
      const delayMs = retryDelay(number + 1, options.delayMs)
      options.onRetry({attempt: number + 1, delayMs, of, reason: last.message})
      await sleep(delayMs, options.signal)
    }
  }
}

/** The line a retry prints: `Retrying 127.0.0.1:5000/app:1.0 in 2s (attempt 2 of 4): <reason>`. */
export function retryLine(what: string, notice: RetryNotice): string {
  return `Retrying ${what} in ${formatDuration(notice.delayMs)} (attempt ${notice.attempt} of ${notice.of}): ${notice.reason}`
}
