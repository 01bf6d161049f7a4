// Notary Project JWS and COSE envelopes signed in the test with node:crypto, with any header changed, added or
// removed, so unit tests can reach the cases notation itself never produces.
import {constants, sign} from 'node:crypto'
import {cborHead} from '../../src/lib/notation/cbor.js'

export type Algorithm = 'ES256' | 'ES384' | 'ES512' | 'PS256' | 'PS384' | 'PS512'

export interface Target {
  mediaType: string
  digest: string
  size: number
}

const hashes = {ES256: 'sha256', ES384: 'sha384', ES512: 'sha512', PS256: 'sha256', PS384: 'sha384', PS512: 'sha512'} as const
const saltLengths = {PS256: 32, PS384: 48, PS512: 64} as const

export interface JwsOptions {
  keyPem: string
  /** DER certificates, leaf first. */
  chain: Buffer[]
  algorithm: Algorithm
  target?: Target
  /** Raw payload bytes instead of a descriptor of `target`. */
  payload?: Buffer
  signingTime?: Date
  /** Headers to add or replace; `undefined` removes one. */
  headers?: Record<string, unknown>
  unprotected?: Record<string, unknown>
  /** The protected header's JSON text as it is, instead of one made from the headers. */
  protectedJson?: string
}

/** An RFC 3339 time without fractions, as notation writes it. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z')
}

function primitiveSignature(algorithm: Algorithm, keyPem: string, input: Buffer): Buffer {
  if (algorithm.startsWith('ES')) return sign(hashes[algorithm], input, {dsaEncoding: 'ieee-p1363', key: keyPem})
  return sign(hashes[algorithm], input, {key: keyPem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: saltLengths[algorithm as keyof typeof saltLengths]})
}

export function signJws(options: JwsOptions): Buffer {
  const headers: Record<string, unknown> = {
    alg: options.algorithm,
    crit: ['io.cncf.notary.signingScheme'],
    cty: 'application/vnd.cncf.notary.payload.v1+json',
    'io.cncf.notary.signingScheme': 'notary.x509',
    'io.cncf.notary.signingTime': rfc3339(options.signingTime ?? new Date()),
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === undefined) delete headers[name]
    else headers[name] = value
  }

  const payload = options.payload ?? Buffer.from(JSON.stringify({targetArtifact: options.target}))
  const protectedText = Buffer.from(options.protectedJson ?? JSON.stringify(headers)).toString('base64url')
  const payloadText = payload.toString('base64url')
  const input = Buffer.from(`${protectedText}.${payloadText}`)
  const signature = primitiveSignature(options.algorithm, options.keyPem, input)
  return Buffer.from(JSON.stringify({
    header: {x5c: options.chain.map((der) => der.toString('base64')), 'io.cncf.notary.signingAgent': 'dkr-test', ...options.unprotected},
    payload: payloadText,
    protected: protectedText,
    signature: signature.toString('base64url'),
  }))
}

// CBOR encoding for the COSE envelopes the tests build: integers, text, bytes, arrays, maps, tags.
export type Cbor = Buffer | Cbor[] | Map<number | string, Cbor> | number | string | {tag: number; value: Cbor}

export function encodeCbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? cborHead(0, value) : cborHead(1, -1 - value)
  if (typeof value === 'string') return Buffer.concat([cborHead(3, Buffer.byteLength(value)), Buffer.from(value)])
  if (Buffer.isBuffer(value)) return Buffer.concat([cborHead(2, value.length), value])
  if (Array.isArray(value)) return Buffer.concat([cborHead(4, value.length), ...value.map(encodeCbor)])
  if (value instanceof Map) return Buffer.concat([cborHead(5, value.size), ...[...value].flatMap(([key, item]) => [encodeCbor(key), encodeCbor(item)])])
  return Buffer.concat([cborHead(6, value.tag), encodeCbor(value.value)])
}

const coseAlgorithms = {ES256: -7, ES384: -35, ES512: -36, PS256: -37, PS384: -38, PS512: -39} as const

/** A tagged COSE_Sign1 envelope; `headers` adds to or replaces (undefined removes) protected headers. */
export function signCose(options: Omit<JwsOptions, 'headers' | 'unprotected'> & {headers?: Map<number | string, Cbor | undefined>}): Buffer {
  const headers = new Map<number | string, Cbor>([
    [1, coseAlgorithms[options.algorithm]],
    [2, ['io.cncf.notary.signingScheme']],
    [3, 'application/vnd.cncf.notary.payload.v1+json'],
    ['io.cncf.notary.signingScheme', 'notary.x509'],
    ['io.cncf.notary.signingTime', {tag: 1, value: Math.floor((options.signingTime ?? new Date()).getTime() / 1000)}],
  ])
  for (const [key, value] of options.headers ?? []) {
    if (value === undefined) headers.delete(key)
    else headers.set(key, value)
  }

  const protectedBytes = encodeCbor(headers)
  const payload = options.payload ?? Buffer.from(JSON.stringify({targetArtifact: options.target}))
  const toBeSigned = encodeCbor(['Signature1', protectedBytes, Buffer.alloc(0), payload])
  const signature = primitiveSignature(options.algorithm, options.keyPem, toBeSigned)
  const unprotected = new Map<number | string, Cbor>([[33, options.chain], ['io.cncf.notary.signingAgent', 'dkr-test']])
  return encodeCbor({tag: 18, value: [protectedBytes, unprotected, payload, signature]})
}
