// "You are not allowed to pull this": registries and engines say it in several ways and with several
// status codes (dockerd 20.10 answers 500), so the decision is made on the wording docker users see.
import {EngineResponseError} from '../errors.js'

const refusalTexts = [
  /\bunauthorized\b/i,
  /no basic auth credentials/i,
  /pull access denied/i,
  /requested access to the resource is denied/i,
  /authentication (is )?required/i,
  /\b401 Unauthorized\b/i,
]

/** The registry refused the credentials (or their absence): logging in may help. */
export function isRefusal(error: unknown): boolean {
  if (error instanceof EngineResponseError && error.statusCode === 401) return true
  const text = error instanceof Error ? error.message : String(error)
  return refusalTexts.some((pattern) => pattern.test(text))
}
