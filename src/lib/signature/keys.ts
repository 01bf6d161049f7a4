// The public keys cosign makes or accepts (PEM): ECDSA P-256/P-384/P-521, RSA and Ed25519, and their
// signature checks with node:crypto. ECDSA signatures are ASN.1 DER; the digest is the one sigstore pairs
// with the curve (P-256 SHA-256, P-384 SHA-384, P-521 SHA-512; cosign 3.1 signs so), or SHA-256 (what
// cosign's own verifier and containers/image use for every key). RSA is PKCS#1 v1.5 with SHA-256.
// Ed25519 is pure Ed25519 (cosign 3.1 signs Ed25519ph, which node:crypto cannot check: refused).
import {createHash, createPublicKey, verify, type KeyObject} from 'node:crypto'

export type KeyKind = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'ed25519' | 'rsa'

export interface PublicKey {
  /** Where the key came from, for messages and --json: its file, or `keyData`. */
  label: string
  kind: KeyKind
  key: KeyObject
  /** base64 sha256 of the DER SubjectPublicKeyInfo: the `publicKey.hint` cosign writes in bundles. */
  hint: string
}

const curves: Record<string, {kind: KeyKind; hashes: string[]}> = {
  prime256v1: {hashes: ['sha256'], kind: 'ecdsa-p256'},
  secp384r1: {hashes: ['sha384', 'sha256'], kind: 'ecdsa-p384'},
  secp521r1: {hashes: ['sha512', 'sha256'], kind: 'ecdsa-p521'},
}

/** The DER of every PEM certificate in `text`. */
export function pemBlocks(text: string): Buffer<ArrayBuffer>[] {
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/g)].map((m) => Buffer.from(m[1].replace(/\s+/g, ''), 'base64'))
}

/** A PEM public key, or an Error saying why it is not one dkr can verify with. */
export function loadPublicKey(pem: Buffer, label: string): PublicKey {
  const text = pem.toString('utf8')
  if (!/-----BEGIN (RSA )?PUBLIC KEY-----/.test(text)) throw new Error('not a PEM public key')
  let key: KeyObject
  try {
    key = createPublicKey(text)
  } catch {
    throw new Error('not a valid PEM public key')
  }

  return publicKeyOf(key, label)
}

/** A public key (from a PEM file or a certificate) as dkr verifies with it, or an Error saying why not. */
export function publicKeyOf(key: KeyObject, label: string): PublicKey {
  const hint = createHash('sha256').update(key.export({format: 'der', type: 'spki'})).digest('base64')
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = curves[key.asymmetricKeyDetails?.namedCurve ?? '']
      if (!curve) throw new Error(`unsupported ECDSA curve ${key.asymmetricKeyDetails?.namedCurve}`)
      return {hint, key, kind: curve.kind, label}
    }

    case 'rsa':
      if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new Error('RSA keys shorter than 2048 bits are not accepted')
      return {hint, key, kind: 'rsa', label}
    case 'ed25519':
      return {hint, key, kind: 'ed25519', label}
    default:
      throw new Error(`unsupported key type ${key.asymmetricKeyType}`)
  }
}

/** Whether `signature` is `key`'s over `data`. Malformed signatures are simply not valid. */
export function verifySignature(key: PublicKey, data: Buffer, signature: Buffer): boolean {
  try {
    switch (key.kind) {
      case 'ed25519':
        return verify(null, data, key.key, signature)
      case 'rsa':
        return verify('sha256', data, key.key, signature)
      default: {
        const curve = Object.values(curves).find((c) => c.kind === key.kind)!
        return curve.hashes.some((hash) => verify(hash, data, key.key, signature))
      }
    }
  } catch {
    return false
  }
}
