// A minimal CBOR (RFC 8949) decoder for COSE envelopes: definite lengths only, every byte accounted for.
// Maps decode to Map (keys are integers or text), tags to {tag, value}. Anything else throws.

export type CborValue = bigint | boolean | Buffer | CborTag | CborValue[] | Map<CborValue, CborValue> | null | number | string | undefined

export interface CborTag {
  tag: number
  value: CborValue
}

export function isTag(value: CborValue): value is CborTag {
  return typeof value === 'object' && value !== null && !Buffer.isBuffer(value) && !Array.isArray(value) && !(value instanceof Map)
}

/** Decodes exactly one item filling `input`. */
export function decodeCbor(input: Buffer): CborValue {
  const [value, end] = decodeAt(input, 0, 0)
  if (end !== input.length) throw new Error('trailing bytes after the CBOR item')
  return value
}

function decodeAt(input: Buffer, offset: number, depth: number): [CborValue, number] {
  if (depth > 16) throw new Error('CBOR nested too deeply')
  if (offset >= input.length) throw new Error('truncated CBOR')
  const initial = input[offset]
  const major = initial >> 5
  const info = initial & 0x1f
  let position = offset + 1
  let argument: number
  if (info < 24) argument = info
  else if (info <= 27) {
    const size = 1 << (info - 24)
    if (position + size > input.length) throw new Error('truncated CBOR')
    const big = size === 8 ? input.readBigUInt64BE(position) : BigInt(input.readUIntBE(position, size))
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('CBOR integer too large')
    argument = Number(big)
    position += size
  } else throw new Error('indefinite-length or reserved CBOR items are not supported')

  switch (major) {
    case 0:
      return [argument, position]
    case 1:
      return [-1 - argument, position]
    case 2:
    case 3: {
      if (position + argument > input.length) throw new Error('truncated CBOR')
      const bytes = input.subarray(position, position + argument)
      return [major === 2 ? bytes : bytes.toString('utf8'), position + argument]
    }

    case 4: {
      const items: CborValue[] = []
      for (let i = 0; i < argument; i++) {
        const [item, next] = decodeAt(input, position, depth + 1)
        items.push(item)
        position = next
      }

      return [items, position]
    }

    case 5: {
      const map = new Map<CborValue, CborValue>()
      for (let i = 0; i < argument; i++) {
        const [key, afterKey] = decodeAt(input, position, depth + 1)
        if (typeof key !== 'number' && typeof key !== 'string') throw new Error('CBOR map keys must be integers or text')
        if (map.has(key)) throw new Error(`duplicate CBOR map key ${String(key)}`)
        const [value, next] = decodeAt(input, afterKey, depth + 1)
        map.set(key, value)
        position = next
      }

      return [map, position]
    }

    case 6: {
      const [value, next] = decodeAt(input, position, depth + 1)
      return [{tag: argument, value}, next]
    }

    default:
      if (info === 20) return [false, position]
      if (info === 21) return [true, position]
      if (info === 22) return [null, position]
      throw new Error('unsupported CBOR simple value or float')
  }
}

/** The head of a CBOR item: major type and length or value. */
export function cborHead(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length])
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length])
  if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff])
  const out = Buffer.alloc(5)
  out[0] = (major << 5) | 26
  out.writeUInt32BE(length, 1)
  return out
}

/** Encodes an array of text and byte strings: all a COSE Sig_structure holds. */
export function encodeStrings(items: (Buffer | string)[]): Buffer {
  const parts = [cborHead(4, items.length)]
  for (const item of items) {
    const bytes = typeof item === 'string' ? Buffer.from(item, 'utf8') : item
    parts.push(cborHead(typeof item === 'string' ? 3 : 2, bytes.length), bytes)
  }

  return Buffer.concat(parts)
}
