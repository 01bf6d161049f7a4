// Structure-aware generators the fuzz targets share: seeds taken apart and put back wrong. A JSON seed
// has any of its values replaced by a value of another type (or a hostile one: deep, long, odd
// numbers); a byte seed is cut, flipped, spliced; a string seed gets grammar pieces inserted. The
// seeds keep most inputs near what the parser really sees, so they reach past its first check.
import fc from 'fast-check'

/** Values a peer can put where a parser expects something else. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  {weight: 4, arbitrary: fc.jsonValue({maxDepth: 3})},
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, -0, '', '\u0000', '\ud800', 'toString', '__proto__', [], {}),
  fc.constantFrom({toString: 1}, {valueOf: 1, toString: 1}, {length: -1}, {length: 1e9}, {'0': 1, length: 2}, {constructor: 1}),
  fc.integer({max: 2000, min: 1}).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown),
  fc.nat({max: 5000}).map((length) => 'a'.repeat(length)),
  // Nesting deeper than JSON.stringify (or any recursive walk) can take: a marker expanded in the text.
  fc.integer({max: 100_000, min: 4000}).map((depth) => `${deepMarker}${depth}`),
)

const deepMarker = '\u0001deep:'

/** JSON text of `value`, with each deep marker replaced by an array nested that deep. */
export function jsonText(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replaceAll(/"\\u0001deep:(\d+)"/g, (_marker, depth: string) => '['.repeat(Number(depth)) + ']'.repeat(Number(depth)))
}

function children(value: unknown): [key: string | number, child: unknown][] {
  if (Array.isArray(value)) return value.map((child, index) => [index, child])
  if (value !== null && typeof value === 'object') return Object.entries(value)
  return []
}

/** Replaces the value found by following `path` (indices, taken modulo the children) with `replacement`. */
function replaceAt(value: unknown, path: number[], replacement: unknown, addKey: string | undefined): unknown {
  const entries = children(value)
  if (path.length === 0 || entries.length === 0) {
    if (addKey !== undefined && value !== null && typeof value === 'object' && !Array.isArray(value)) return {...value, [addKey]: replacement}
    return replacement
  }

  const [key, child] = entries[path[0] % entries.length]
  const copy: unknown = Array.isArray(value) ? [...value] : {...(value as object)}
  ;(copy as Record<string | number, unknown>)[key] = replaceAt(child, path.slice(1), replacement, addKey)
  return copy
}

/** A seed with up to four of its values replaced, or a key added, anywhere in the tree. */
export function mutatedJson(seeds: readonly unknown[]): fc.Arbitrary<unknown> {
  const edit = fc.record({
    addKey: fc.option(fc.constantFrom('signed', 'signatures', 'keys', 'roles', 'keyids', 'threshold', 'hashes', 'length', 'version', 'expires', '_type', 'meta', 'targets', 'delegations', 'auths', 'credsStore', 'credHelpers', 'type', 'keyPath', 'keyData', 'signedIdentity', 'x'), {nil: undefined}),
    path: fc.array(fc.nat({max: 64}), {maxLength: 6}),
    replacement: hostileJson,
  })
  return fc.oneof(
    {weight: 1, arbitrary: fc.constantFrom(...seeds)},
    {weight: 6, arbitrary: fc.tuple(fc.constantFrom(...seeds), fc.array(edit, {maxLength: 4, minLength: 1})).map(([seed, edits]) => edits.reduce((value, {addKey, path, replacement}) => replaceAt(value, path, replacement, addKey), seed))},
  )
}

/** A mutated seed as a JSON parser gives it to dkr: deep markers expanded. */
export function mutatedJsonValue(seeds: readonly unknown[]): fc.Arbitrary<unknown> {
  return mutatedJson(seeds).map((value) => JSON.parse(jsonText(value)) as unknown)
}

/** The text of a mutated JSON seed, sometimes cut short or with a byte changed. */
export function mutatedJsonText(seeds: readonly unknown[]): fc.Arbitrary<string> {
  return fc.oneof(
    {weight: 6, arbitrary: mutatedJson(seeds).map(jsonText)},
    {weight: 2, arbitrary: mutatedBytes(seeds.map((seed) => Buffer.from(JSON.stringify(seed)))).map((bytes) => bytes.toString('utf8'))},
    {weight: 1, arbitrary: fc.string({maxLength: 64, unit: 'binary'})},
  )
}

type ByteEdit = {kind: 'flip' | 'insert' | 'delete' | 'truncate' | 'repeat'; at: number; byte: number; length: number}

function applyByteEdit(bytes: Buffer, {at, byte, kind, length}: ByteEdit): Buffer {
  const position = bytes.length === 0 ? 0 : at % (bytes.length + 1)
  switch (kind) {
    case 'flip':
      return bytes.length === 0 ? bytes : Buffer.concat([bytes.subarray(0, position % bytes.length), Buffer.from([byte]), bytes.subarray((position % bytes.length) + 1)])
    case 'insert':
      return Buffer.concat([bytes.subarray(0, position), Buffer.alloc(1 + (length % 8), byte), bytes.subarray(position)])
    case 'delete':
      return Buffer.concat([bytes.subarray(0, position), bytes.subarray(position + 1 + (length % 16))])
    case 'truncate':
      return bytes.subarray(0, position)
    case 'repeat':
      return Buffer.concat([bytes.subarray(0, position), ...Array.from({length: 1 + (length % 4)}, () => bytes.subarray(position, position + 64)), bytes.subarray(position)])
  }
}

/** Seeds with a few byte-level edits, or plain random bytes. */
export function mutatedBytes(seeds: readonly Buffer[]): fc.Arbitrary<Buffer> {
  const edit = fc.record({
    at: fc.nat(),
    byte: fc.oneof(fc.nat({max: 255}), fc.constantFrom(0x00, 0x80, 0xff, 0x7f, 0x1f, 0x20, 0x30, 0x84, 0x9f, 0xbf, 0xdf, 0xfb)),
    kind: fc.constantFrom<ByteEdit['kind']>('flip', 'flip', 'flip', 'insert', 'delete', 'truncate', 'repeat'),
    length: fc.nat({max: 64}),
  })
  return fc.oneof(
    {weight: 1, arbitrary: fc.constantFrom(...seeds)},
    {weight: 6, arbitrary: fc.tuple(fc.constantFrom(...seeds), fc.array(edit, {maxLength: 6, minLength: 1})).map(([seed, edits]) => edits.reduce(applyByteEdit, seed))},
    {weight: 1, arbitrary: fc.uint8Array({maxLength: 256}).map((array) => Buffer.from(array))},
  )
}

/** A seed string with grammar pieces inserted, replaced or cut. */
export function mutatedString(seeds: readonly string[], pieces: readonly string[]): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat(), fc.nat({max: 8}), fc.oneof(fc.constantFrom(...pieces), fc.string({maxLength: 4, unit: 'grapheme-ascii'}), fc.string({maxLength: 2, unit: 'binary'})))
  return fc.oneof(
    {weight: 1, arbitrary: fc.constantFrom(...seeds)},
    {
      weight: 5,
      arbitrary: fc.tuple(fc.constantFrom(...seeds), fc.array(edit, {maxLength: 4, minLength: 1})).map(([seed, edits]) =>
        edits.reduce((text, [at, cut, piece]) => {
          const position = at % (text.length + 1)
          return text.slice(0, position) + piece + text.slice(position + (cut % 3 === 0 ? cut : 0))
        }, seed),
      ),
    },
    {weight: 1, arbitrary: fc.array(fc.constantFrom(...pieces), {maxLength: 12}).map((parts) => parts.join(''))},
  )
}
