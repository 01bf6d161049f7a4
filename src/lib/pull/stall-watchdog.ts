// The stall watchdog around one pull attempt: when the engine brings no new bytes and no new status for
// `timeoutMs` (from the moment the request is sent: dockerd sends no headers until it has the manifest;
// checked every eighth of it),
// the attempt's request is aborted, which makes the engine cancel the pull, and the attempt fails with
// `no progress for 30s while pulling …`. A message that only repeats the last one for its layer (podman
// re-sends `Downloading` with the same count about once a second) is not progress; dockerd's `Retrying
// in N seconds` countdown is (its text changes every second).
import {DkrError} from '../errors.js'
import {formatDuration, maxTimerMs} from '../io/duration.js'
import type {JsonMessage} from '../progress/json-message.js'

/** The attempt made no progress for the stall timeout; the engine was told to stop. */
export class StallError extends DkrError {
  constructor(timeoutMs: number, what: string) {
    super(`no progress for ${formatDuration(timeoutMs)} while pulling ${what}`)
    this.name = 'StallError'
  }
}

/** What a message changes: a layer's status and byte count, or a line of its own. */
function progressKey(message: JsonMessage): string {
  return `${message.status ?? ''}\u0000${message.progressDetail?.current ?? ''}\u0000${message.progress ?? ''}\u0000${message.stream ?? ''}`
}

export interface StallOptions {
  /** 0 turns the watchdog off. */
  timeoutMs: number
  /** Ctrl-C: aborts the attempt as well. */
  signal: AbortSignal
  /** The reference, as the stall message names it. */
  what: string
}

/**
 * Runs one attempt with its own abort signal (aborted by Ctrl-C or by a stall); the attempt reports
 * each message it reads through `saw`. A stall turns the attempt's failure into a StallError.
 */
export async function watchStalls<T>(options: StallOptions, attempt: (signal: AbortSignal, saw: (message: JsonMessage) => void) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  const onAbort = () => controller.abort(options.signal.reason)
  if (options.signal.aborted) onAbort()
  options.signal.addEventListener('abort', onAbort, {once: true})
  let stalled = false
  // One timer for the attempt, not one per message (a pull reports tens of thousands, and a timer each
  // cost more than the rest of the bookkeeping): a message that is progress sets a flag, and a check
  // every eighth of the timeout counts the quiet ones, so a stall is caught at most an eighth late.
  // A timeout of more than eight timers' limit (about 198 days) is checked more often.
  const intervalMs = Math.min(options.timeoutMs / 8, maxTimerMs)
  const checksPerTimeout = Math.ceil(options.timeoutMs / intervalMs)
  let progressed = false
  let quietChecks = 0
  const check = () => {
    if (progressed) {
      progressed = false
      quietChecks = 0
    } else if (++quietChecks >= checksPerTimeout) {
      clearInterval(timer)
      stalled = true
      controller.abort('stall')
    }
  }

  const last = new Map<string, string>()
  const saw = (message: JsonMessage) => {
    const id = message.id ?? ''
    const key = progressKey(message)
    if (last.get(id) === key) return
    last.set(id, key)
    progressed = true
  }

  const timer = options.timeoutMs > 0 ? setInterval(check, intervalMs) : undefined
  try {
    return await attempt(controller.signal, saw)
  } catch (error) {
    if (stalled && !options.signal.aborted) throw new StallError(options.timeoutMs, options.what)
    throw error
  } finally {
    clearInterval(timer)
    options.signal.removeEventListener('abort', onAbort)
  }
}
