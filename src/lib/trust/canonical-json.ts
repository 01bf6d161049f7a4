// docker/go's canonical JSON, which Notary signs: keys sorted by their UTF-8 bytes, no whitespace, only
// `\` and `"` escaped, integers only. Signatures cover this re-encoding of the parsed `signed` value,
// never the bytes on the wire (those are covered by the hashes one level up).
import {TrustError} from './errors.js'

const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))

/** Far deeper than any TUF document; deeper input is refused before recursion can overflow the stack. */
const maxDepth = 100

export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > maxDepth) throw new TrustError('malformed', `canonical JSON: nested more than ${maxDepth} deep`)
  if (value === null) return 'null'
  switch (typeof value) {
    case 'boolean':
      return String(value)
    case 'number':
      if (!Number.isSafeInteger(value)) throw new TrustError('malformed', `canonical JSON cannot encode the number ${value}`)
      return String(value)
    case 'string':
      return `"${value.replaceAll(/["\\]/g, (c) => `\\${c}`)}"`
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item, depth + 1)).join(',')}]`
      const record = value as Record<string, unknown>
      const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort(byUtf8)
      return `{${keys.map((k) => `${canonicalJson(k)}:${canonicalJson(record[k], depth + 1)}`).join(',')}}`
    }

    default:
      throw new TrustError('malformed', `canonical JSON cannot encode a ${typeof value}`)
  }
}
