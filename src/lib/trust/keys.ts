// TUF keys as Notary writes them: ids, public keys and signature checks with node:crypto. Notary's
// quirks are all here: ECDSA signatures are raw r‖s, x509 keys are base64 of PEM text, Ed25519 keys
// are the raw 32 bytes.
import {constants, createHash, createPublicKey, verify, X509Certificate, type KeyObject} from 'node:crypto'
import {canonicalJson} from './canonical-json.js'
import {TrustError} from './errors.js'

export interface TufKey {
  keytype: string
  keyval: {public: string; private?: string | null}
}

export interface Signature {
  keyid: string
  method: string
  sig: string
}

/** Whether a value from metadata has the shape of a key; anything else is skipped, never trusted. */
export function isTufKey(value: unknown): value is TufKey {
  const key = value as Partial<TufKey> | null
  return typeof key === 'object' && key !== null && typeof key.keytype === 'string' && typeof key.keyval === 'object' && key.keyval !== null && typeof key.keyval.public === 'string'
}

/** The key named `id` in a metadata `keys` map: own entries of the right shape only (never `toString`). */
export function keyNamed(keys: unknown, id: string): TufKey | undefined {
  if (typeof keys !== 'object' || keys === null || !Object.hasOwn(keys, id)) return undefined
  const key = (keys as Record<string, unknown>)[id]
  return isTufKey(key) ? key : undefined
}

/** sha256 of the canonical key with its private part null: how Notary names a key. */
export function keyId(key: TufKey): string {
  return createHash('sha256').update(canonicalJson({keytype: key.keytype, keyval: {private: null, public: key.keyval.public}})).digest('hex')
}

export function isX509(key: TufKey): boolean {
  return key.keytype.endsWith('-x509')
}

/** The leaf certificate of an x509 key (root keys carry the repository name in its CN). */
export function certificateOf(key: TufKey): X509Certificate {
  try {
    return new X509Certificate(Buffer.from(key.keyval.public, 'base64'))
  } catch {
    throw new TrustError('untrusted-root', `key ${keyId(key)} does not hold a valid certificate`)
  }
}

function publicKey(key: TufKey): KeyObject {
  const raw = Buffer.from(key.keyval.public, 'base64')
  try {
    switch (key.keytype) {
      case 'ecdsa-x509':
      case 'rsa-x509':
        return certificateOf(key).publicKey
      case 'ecdsa':
      case 'rsa':
        return createPublicKey({format: 'der', key: raw, type: 'spki'})
      case 'ed25519':
        return createPublicKey({format: 'jwk', key: {crv: 'Ed25519', kty: 'OKP', x: raw.toString('base64url')}})
    }
  } catch (error) {
    if (error instanceof TrustError) throw error
  }

  throw new TrustError('untrusted-root', `unsupported or malformed key of type ${key.keytype}`)
}

const curveBytes: Record<string, number> = {'P-256': 32, 'P-384': 48, 'P-521': 66, prime256v1: 32, secp384r1: 48, secp521r1: 66}

/** Whether `signature` by `key` covers `message`; a method that does not fit the key is a failed check. */
export function verifySignature(key: TufKey, signature: Signature, message: Buffer): boolean {
  const method = signature.method.toLowerCase()
  const family = key.keytype.replace(/-x509$/, '')
  const sig = Buffer.from(signature.sig, 'base64')
  const object = publicKey(key)
  try {
    if (method === 'ecdsa' && family === 'ecdsa') {
      const size = curveBytes[object.asymmetricKeyDetails?.namedCurve ?? '']
      if (size === undefined || sig.length !== 2 * size) return false
      return verify('sha256', message, {dsaEncoding: 'ieee-p1363', key: object}, sig)
    }

    if (method === 'eddsa' && family === 'ed25519') return verify(null, message, object, sig)
    if ((method === 'rsapss' || method === 'pycrypto-pkcs#1 pss') && family === 'rsa') {
      return verify('sha256', message, {key: object, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32}, sig)
    }

    if (method === 'rsapkcs1v15' && family === 'rsa') return verify('sha256', message, {key: object, padding: constants.RSA_PKCS1_PADDING}, sig)
  } catch {
    return false
  }

  return false
}
