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

/** Deeper than any document dkr reads from a peer: manifests, indexes, TUF metadata and envelopes nest under 10. */
export const maxJsonDepth = 64

/**
 * Whether `text` nests arrays and objects deeper than `limit`, checked before JSON.parse: V8 parses a
 * million `[` without complaint, into 180 MiB of arrays, more than all else dkr holds.
 */
export function nestsDeeperThan(text: string, limit = maxJsonDepth): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (inString) {
      if (code === 0x5c) i++
      else if (code === 0x22) inString = false
    } else if (code === 0x22) inString = true
    else if (code === 0x5b || code === 0x7b) {
      if (++depth > limit) return true
    } else if (code === 0x5d || code === 0x7d) depth--
  }

  return false
}

/**
 * Whether an object anywhere in `value` has a `length` field. No sigstore document (TrustedRoot, bundle)
 * has one, and protobuf-specs decodes a bytes field with Buffer.from, which takes `{"length":1e9}` for an
 * array of a billion (a gigabyte, tens of seconds).
 */
export function hasLengthField(value: unknown): boolean {
  // A walk with its own stack: a bundle's JSON is not depth-checked before it.
  const pending = [value]
  while (pending.length > 0) {
    const next = pending.pop()
    if (Array.isArray(next)) pending.push(...(next as unknown[]))
    else if (isJsonObject(next)) {
      if (Object.hasOwn(next, 'length')) return true
      pending.push(...Object.values(next))
    }
  }

  return false
}
