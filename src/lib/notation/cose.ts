// The COSE envelope (signature-envelope-cose.md): a tagged COSE_Sign1 whose protected header holds alg
// (1), crit (2), content type (3) and the io.cncf.notary.* attributes (times as tag 1 epoch seconds),
// whose unprotected header holds x5chain (33); the signature over the Sig_structure
// ["Signature1", protected, h'', payload].
import {decodeCbor, encodeStrings, isTag, type CborValue} from './cbor.js'
import {envelopeContent, EnvelopeError, type EnvelopeContent} from './envelope.js'

export const coseMediaType = 'application/cose'

const algorithms = new Map<CborValue, string>([[-7, 'ES256'], [-35, 'ES384'], [-36, 'ES512'], [-37, 'PS256'], [-38, 'PS384'], [-39, 'PS512']])
const notaryHeaders = ['io.cncf.notary.signingScheme', 'io.cncf.notary.signingTime', 'io.cncf.notary.authenticSigningTime', 'io.cncf.notary.expiry']

function fail(message: string): never {
  throw new EnvelopeError(message)
}

function time(headers: Map<CborValue, CborValue>, name: string): Date | undefined {
  const value = headers.get(name)
  if (value === undefined) return undefined
  if (!isTag(value) || value.tag !== 1 || typeof value.value !== 'number') return fail(`${name} is not an epoch-based date/time`)
  return new Date(value.value * 1000)
}

/** Decodes a COSE envelope and checks it (signature, headers, chain); throws EnvelopeError. */
export function verifyCose(bytes: Buffer): EnvelopeContent {
  let message: CborValue
  try {
    message = decodeCbor(bytes)
  } catch (error) {
    return fail(`the COSE envelope is not valid CBOR: ${(error as Error).message}`)
  }

  if (!isTag(message) || message.tag !== 18) return fail('the envelope is not a tagged COSE_Sign1 message')
  const parts = message.value
  if (!Array.isArray(parts) || parts.length !== 4) return fail('a COSE_Sign1 message has four parts')
  const [protectedBytes, unprotected, payload, signature] = parts
  if (!Buffer.isBuffer(protectedBytes) || protectedBytes.length === 0) return fail('the protected header is missing')
  if (!(unprotected instanceof Map)) return fail('the unprotected header is not a map')
  if (!Buffer.isBuffer(payload)) return fail('the payload is detached or not a byte string')
  if (!Buffer.isBuffer(signature) || signature.length === 0) return fail('the signature is missing')
  let headers: CborValue
  try {
    headers = decodeCbor(protectedBytes)
  } catch (error) {
    return fail(`the protected header is not valid CBOR: ${(error as Error).message}`)
  }

  if (!(headers instanceof Map)) return fail('the protected header is not a map')
  const critical = headers.get(2)
  if (!Array.isArray(critical) || critical.length === 0) return fail('missing crit header')
  const chain = unprotected.get(33)
  const chainDer = Buffer.isBuffer(chain) ? [chain] : Array.isArray(chain) && chain.every((item) => Buffer.isBuffer(item)) ? (chain as Buffer[]) : fail('certificate chain (x5chain) is not present')
  const signingScheme = headers.get('io.cncf.notary.signingScheme')
  return envelopeContent(
    {
      algorithm: algorithms.get(headers.get(1)) ?? `COSE algorithm ${String(headers.get(1))}`,
      authenticSigningTime: time(headers, 'io.cncf.notary.authenticSigningTime'),
      contentType: headers.get(3),
      critical: critical.map((label) => (typeof label === 'string' ? label : `COSE label ${String(label)}`)),
      expiry: time(headers, 'io.cncf.notary.expiry'),
      extended: [...headers.keys()].filter((key) => ![1, 2, 3, ...notaryHeaders].includes(key as number | string)).map(String),
      signingScheme,
      signingTime: time(headers, 'io.cncf.notary.signingTime'),
    },
    {chainDer, payload, signature, signingInput: encodeStrings(['Signature1', protectedBytes, Buffer.alloc(0), payload]), timestamped: unprotected.has('io.cncf.notary.timestampSignature')},
  )
}
