// Durations as podman and Go take them on the command line: `500ms`, `2s`, `1.5s`, `1m30s`, `1h`; a bare
// `0` is zero. Milliseconds inside dkr.
import {durationString} from './human-size.js'
import {UsageError} from '../errors.js'

const unitMs: Record<string, number> = {h: 3_600_000, m: 60_000, ms: 1, s: 1000}
const maxDurationMs = 2562047 * 3_600_000
/**
 * The longest delay one Node timer takes (about 24.8 days): a longer one fires after 1 ms, with a warning.
 * Durations up to Go's maximum are accepted, so the timers that may get one wait in steps of this.
 */
export const maxTimerMs = 2 ** 31 - 1
const durationPattern = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/
export const durationSyntax = '^(0|(\\d+(\\.\\d+)?(ms|h|m|s))+)$'

/** The milliseconds `text` stands for; a usage error (exit 125) naming `what` otherwise. */
export function parseDuration(text: string, what: string): number {
  const trimmed = text.trim()
  if (trimmed === '0') return 0
  if (!durationPattern.test(trimmed)) throw new UsageError(`invalid duration "${text}" for ${what}: expected a number and a unit (ms, s, m, h), such as 2s, 500ms or 1m30s`)
  let total = 0
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) total += Number(amount) * unitMs[unit]
  // Go's limit (time.ParseDuration fails past it); also keeps Infinity out of every timer.
  if (total > maxDurationMs) throw new UsageError(`invalid duration "${text}" for ${what}: longer than 2562047h, Go's maximum`)
  return Math.round(total)
}

/** Milliseconds as a short duration: `500ms`, `1.5s`, `2s`, `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`
  return ms % 1000 === 0 || ms >= 60_000 ? durationString(ms / 1000) : `${ms / 1000}s`
}
