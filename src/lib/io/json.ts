// The JSON shape check that policy files, manifests, signature payloads and envelopes all need.

export type JsonObject = Record<string, unknown>

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const shownLength = 100

/**
 * A value from a file or a peer, for one line of an error: JSON for a scalar, cut short; the kind for an
 * array or object, which may be nested deeper than JSON.stringify can go.
 */
export function shownJson(value: unknown): string {
  if (Array.isArray(value)) return 'an array'
  if (isJsonObject(value)) return 'an object'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > shownLength ? `${text.slice(0, shownLength)}…` : text
}
