// Docker Hub's pull rate limit, as its registry reports it on manifest answers (`ratelimit-limit:
// 100;w=21600`, `ratelimit-remaining: 20;w=21600`, `docker-ratelimit-source: 192.0.2.7`), asked with a
// manifest HEAD, which Hub does not count as a pull. And the two 429s Hub sends: the quota ("You have
// reached your pull rate limit"), which lasts hours, and the short abuse limit ("retry-after: …").
import type {IncomingHttpHeaders} from 'node:http'
import type {RegistryClient} from './client.js'
import {header, RegistryError} from './http.js'

export interface RateLimit {
  /** Pulls allowed per window. */
  limit: number
  remaining?: number
  windowSeconds?: number
  /** Whom the registry counts the pulls of: an address (anonymous) or an account. */
  source?: string
}

/** `100;w=21600` (or the draft's `100, 100;w=21600`) → the count and the window, if the value has them. */
function quotaValue(value: string | undefined): {count: number; windowSeconds?: number} | undefined {
  const count = /^\s*(\d+)/.exec(value ?? '')?.[1]
  if (count === undefined) return undefined
  const window = /;\s*w\s*=\s*(\d+)/.exec(value ?? '')?.[1]
  return {count: Number(count), ...(window === undefined ? {} : {windowSeconds: Number(window)})}
}

/** The rate limit a registry's answer reports, or undefined when it reports none. */
export function rateLimitOf(headers: IncomingHttpHeaders): RateLimit | undefined {
  const limit = quotaValue(header(headers, 'ratelimit-limit'))
  if (!limit) return undefined
  const remaining = quotaValue(header(headers, 'ratelimit-remaining'))
  const source = header(headers, 'docker-ratelimit-source')?.trim()
  const windowSeconds = limit.windowSeconds ?? remaining?.windowSeconds
  return {limit: limit.count, ...(remaining ? {remaining: remaining.count} : {}), ...(windowSeconds ? {windowSeconds} : {}), ...(source ? {source} : {})}
}

/** The rate limit the registry reports for `repository:reference`, from a manifest HEAD (not a pull). */
export async function askRateLimit(client: RegistryClient, repository: string, reference: string): Promise<RateLimit | undefined> {
  const answer = await client.head(repository, reference)
  const limit = rateLimitOf(answer.headers)
  // Hub reports its limit on any answer; a registry that reports none and refuses is a failure to say.
  if (limit || (answer.status >= 200 && answer.status < 300)) return limit
  const why = {401: ' UNAUTHORIZED', 429: ' TOOMANYREQUESTS (the registry refuses requests for now; try again shortly)'}[answer.status] ?? ''
  throw new RegistryError(`HEAD manifest ${repository}:${reference}: ${answer.status}${why}`, answer.status)
}

/** 21600 → `6 hours`: windows are whole hours or minutes on Docker Hub. */
export function windowText(seconds: number): string {
  const [amount, unit] = seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : seconds % 60 === 0 ? [seconds / 60, 'minute'] : [seconds, 'second']
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`
}

/** `100 pulls per 6 hours`, or `100 pulls` when the window is not reported. */
export function limitText(limit: RateLimit): string {
  return `${limit.limit} pull${limit.limit === 1 ? '' : 's'}${limit.windowSeconds ? ` per ${windowText(limit.windowSeconds)}` : ''}`
}

/** Hub's quota refusal, whichever engine relays it: waiting seconds will not help, the window lasts hours. */
export function isQuotaRefusal(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error)
  return /reached your pull rate limit/i.test(text)
}
