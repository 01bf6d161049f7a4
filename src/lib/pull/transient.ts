// Which pull failures may get better if the pull is simply tried again, and which never will: the one
// place the retry rules live. The engines word the same fault differently (dockerd 20.10 as an HTTP
// error or in-stream, Docker 28 with the containerd store, podman always in-stream), so the rules
// match their words; test/lib/pull/transient.test.ts holds the table of real messages.
import {EngineUnreachableError, isCancelled} from '../errors.js'
import {isQuotaRefusal} from '../registry/ratelimit.js'
import {isRefusal} from '../registry/refusal.js'
import {StallError} from './stall-watchdog.js'

export type FailureKind = 'permanent' | 'transient'

/** Never retried, whatever else the message says: the name, the tag, the platform, the engine's answer will not change. */
const permanent: RegExp[] = [
  /manifest unknown|not found|does not exist|name unknown/i,
  /invalid reference format|repository name must be lowercase|invalid tag format/i,
  /no matching manifest|no image found in manifest list|unknown operating system or architecture|does not match the specified platform/i,
  /cannot pull all tags/i,
  /invalid progress message from the engine/i,
]

/** The registry or the engine was away, overloaded or cut off: a later attempt may well succeed. */
const transient: RegExp[] = [
  // The connection to the registry (or the engine) refused, reset, cut or timed out.
  /connection refused|connection reset|broken pipe|unexpected EOF|\bEOF\b|i\/o timeout|TLS handshake timeout|timeout awaiting response headers|context deadline exceeded|server misbehaving/i,
  // dkr's own words for an engine connection lost mid-pull.
  /lost the connection to the Docker daemon/,
  // The registry failing: 5xx, however each engine says it.
  /\b(status|status code)\b[^\n]*\b5\d\d\b/i,
  /\b50[0234] (Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)\b/i,
  // Rate limits: the short ones (Docker Hub's abuse 429, `retry-after: …`); its quota is never retried.
  /toomanyrequests|too many requests|\b429\b/i,
]

/** Whether `error` is worth another attempt. Ctrl-C, refusals and everything not known to be transient are permanent. */
export function failureKind(error: unknown): FailureKind {
  if (isCancelled(error)) return 'permanent'
  if (error instanceof StallError || error instanceof EngineUnreachableError) return 'transient'
  // Docker Hub's pull quota refills over hours: a retry seconds later only spends the user's time.
  if (isRefusal(error) || isQuotaRefusal(error)) return 'permanent'
  const text = error instanceof Error ? error.message : String(error)
  if (permanent.some((pattern) => pattern.test(text))) return 'permanent'
  return transient.some((pattern) => pattern.test(text)) ? 'transient' : 'permanent'
}
