// The JWS envelope (signature-envelope-jws.md): flattened JSON serialization only, `payload`,
// `protected`, `header` (unsigned: x5c, the signing agent, a timestamp countersignature) and `signature`,
// nothing else; the signature over ASCII(protected '.' payload).
import {envelopeContent, EnvelopeError, type EnvelopeContent} from './envelope.js'
import {isJsonObject, maxJsonDepth, nestsDeeperThan, type JsonObject} from '../io/json.js'

export const jwsMediaType = 'application/jose+json'

const registeredHeaders = ['alg', 'cty', 'crit', 'io.cncf.notary.signingScheme', 'io.cncf.notary.signingTime', 'io.cncf.notary.authenticSigningTime', 'io.cncf.notary.expiry']
const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

function fail(message: string): never {
  throw new EnvelopeError(message)
}

function base64url(value: unknown, what: string): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]*$/.test(value)) fail(`${what} is not base64url`)
  return Buffer.from(value, 'base64url')
}

function time(value: unknown, header: string): Date | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !rfc3339.test(value) || Number.isNaN(Date.parse(value))) fail(`${header} is not an RFC 3339 time`)
  return new Date(value)
}

function jsonObject(bytes: Buffer, what: string): JsonObject {
  let value: unknown
  const text = bytes.toString('utf8')
  if (nestsDeeperThan(text)) return fail(`${what} is nested more than ${maxJsonDepth} deep`)
  try {
    value = JSON.parse(text)
  } catch {
    return fail(`${what} is not JSON`)
  }

  return isJsonObject(value) ? value : fail(`${what} is not a JSON object`)
}

/** Decodes a JWS envelope and checks it (signature, headers, chain); throws EnvelopeError. */
export function verifyJws(bytes: Buffer): EnvelopeContent {
  const fields = jsonObject(bytes, 'the JWS envelope')
  if ('signatures' in fields) fail('only the flattened JWS JSON serialization is supported')
  const extra = Object.keys(fields).find((key) => !['header', 'payload', 'protected', 'signature'].includes(key))
  if (extra) fail(`the JWS envelope has an unsupported field "${extra}"`)
  const headers = jsonObject(base64url(fields.protected, 'the protected header'), 'the protected header')
  const payload = base64url(fields.payload, 'the payload')
  const signature = base64url(fields.signature, 'the signature')
  if (signature.length === 0) fail('the signature is empty')
  if (typeof headers.alg !== 'string') fail('the "alg" header is not a string')
  const critical = headers.crit
  if (!Array.isArray(critical) || critical.length === 0 || !critical.every((item) => typeof item === 'string')) fail('missing "crit" header')
  const unprotected = fields.header
  if (!isJsonObject(unprotected)) return fail('the unprotected header is missing')
  const x5c = unprotected.x5c
  if (!Array.isArray(x5c) || x5c.length === 0) fail('certificate chain (x5c) is not present')
  const chainDer = (x5c as unknown[]).map((item) => {
    if (typeof item !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(item)) fail('x5c holds something other than base64 certificates')
    return Buffer.from(item, 'base64')
  })
  return envelopeContent(
    {
      algorithm: headers.alg as string,
      authenticSigningTime: time(headers['io.cncf.notary.authenticSigningTime'], 'io.cncf.notary.authenticSigningTime'),
      contentType: headers.cty,
      critical: critical as string[],
      expiry: time(headers['io.cncf.notary.expiry'], 'io.cncf.notary.expiry'),
      extended: Object.keys(headers).filter((key) => !registeredHeaders.includes(key)),
      signingScheme: headers['io.cncf.notary.signingScheme'],
      signingTime: time(headers['io.cncf.notary.signingTime'], 'io.cncf.notary.signingTime'),
    },
    // base64url() has checked both are strings of the base64url alphabet.
    {chainDer, payload, signature, signingInput: Buffer.from(`${fields.protected as string}.${fields.payload as string}`, 'ascii'), timestamped: unprotected['io.cncf.notary.timestampSignature'] !== undefined},
  )
}
