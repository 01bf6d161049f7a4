// A minimal DER reader: just enough ASN.1 to read what node:crypto's X509Certificate does not expose
// (extension criticality, key usage bits, basic constraints, the subject's attributes). Any malformed
// encoding throws, and the caller treats the certificate as invalid.

export interface DerNode {
  /** The identifier octet: class, constructed bit and tag number (tags above 30 are not needed here). */
  tag: number
  /** The contents octets. */
  value: Buffer
  /** The whole encoding, header included. */
  raw: Buffer
}

export const derTag = {
  bitString: 0x03,
  boolean: 0x01,
  integer: 0x02,
  octetString: 0x04,
  oid: 0x06,
  sequence: 0x30,
  set: 0x31,
} as const

/** Reads the node at `offset` of `input`. */
export function readDer(input: Buffer, offset = 0): DerNode {
  if (offset + 2 > input.length) throw new Error('truncated DER')
  const tag = input[offset]
  if ((tag & 0x1f) === 0x1f) throw new Error('unsupported DER tag')
  let length = input[offset + 1]
  let header = 2
  if (length & 0x80) {
    const octets = length & 0x7f
    if (octets === 0 || octets > 4 || offset + 2 + octets > input.length) throw new Error('bad DER length')
    length = 0
    for (let i = 0; i < octets; i++) length = length * 256 + input[offset + 2 + i]
    header += octets
  }

  const end = offset + header + length
  if (end > input.length) throw new Error('truncated DER')
  return {raw: input.subarray(offset, end), tag, value: input.subarray(offset + header, end)}
}

/** The nodes a constructed node holds, in order. */
export function derChildren(node: DerNode): DerNode[] {
  if (!(node.tag & 0x20)) throw new Error('DER node is not constructed')
  const children: DerNode[] = []
  for (let offset = 0; offset < node.value.length;) {
    const child = readDer(node.value, offset)
    children.push(child)
    offset += child.raw.length
  }

  return children
}

/** Dotted form of an OBJECT IDENTIFIER node. */
export function derOid(node: DerNode): string {
  if (node.tag !== derTag.oid || node.value.length === 0) throw new Error('expected an OID')
  const arcs: number[] = []
  let arc = 0
  for (const byte of node.value) {
    arc = arc * 128 + (byte & 0x7f)
    if (!(byte & 0x80)) {
      arcs.push(arc)
      arc = 0
    }
  }

  const first = arcs.shift() ?? 0
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80]
  return [...head, ...arcs].join('.')
}

/** The value of a small INTEGER node. */
export function derInteger(node: DerNode): number {
  if (node.tag !== derTag.integer || node.value.length === 0 || node.value.length > 6) throw new Error('expected a small INTEGER')
  return node.value.readIntBE(0, node.value.length)
}
