// Notary Project JWS envelopes signed in the test with node:crypto, with any header changed, added or
// removed, so unit tests can reach the cases notation itself never produces.
import {constants, sign} from 'node:crypto'

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
}

/** An RFC 3339 time without fractions, as notation writes it. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z')
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
  const protectedText = Buffer.from(JSON.stringify(headers)).toString('base64url')
  const payloadText = payload.toString('base64url')
  const input = Buffer.from(`${protectedText}.${payloadText}`)
  const {algorithm} = options
  const signature = algorithm.startsWith('ES')
    ? sign(hashes[algorithm], input, {dsaEncoding: 'ieee-p1363', key: options.keyPem})
    : sign(hashes[algorithm], input, {key: options.keyPem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: saltLengths[algorithm as keyof typeof saltLengths]})
  return Buffer.from(JSON.stringify({
    header: {x5c: options.chain.map((der) => der.toString('base64')), 'io.cncf.notary.signingAgent': 'dkr-test', ...options.unprotected},
    payload: payloadText,
    protected: protectedText,
    signature: signature.toString('base64url'),
  }))
}
