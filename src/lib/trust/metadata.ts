// Verifying Notary's TUF metadata: signatures against a role's keys and threshold, the type, expiry,
// versions that never go back, hashes and lengths of the raw bytes, and the root: trusted on first
// use only when its certificates name the repository, rotated only when the old root signs the new.
import {createHash, type X509Certificate} from 'node:crypto'
import {canonicalJson} from './canonical-json.js'
import {TrustError} from './errors.js'
import {maxJsonDepth, nestsDeeperThan, shownJson} from '../io/json.js'
import {certificateOf, isX509, keyId, keyNamed, verifySignature, type Signature, type TufKey} from './keys.js'

export interface RoleKeys {
  keyids: string[]
  threshold: number
}

export interface FileMeta {
  hashes: {sha256?: string; sha512?: string}
  length: number
}

export interface Signed {
  _type: string
  version: number
  expires: string
}

export interface RootSigned extends Signed {
  keys: Record<string, TufKey>
  roles: Record<'root' | 'snapshot' | 'targets' | 'timestamp', RoleKeys>
}

export interface TimestampSigned extends Signed {
  meta: {snapshot: FileMeta}
}

export interface SnapshotSigned extends Signed {
  meta: Record<string, FileMeta>
}

export interface Target {
  hashes: {sha256?: string; sha512?: string}
  length: number
}

export interface DelegationRole extends RoleKeys {
  name: string
  paths?: string[]
}

export interface TargetsSigned extends Signed {
  targets: Record<string, Target>
  delegations?: {keys: Record<string, TufKey>; roles: DelegationRole[]}
}

export interface Envelope<T extends Signed> {
  signed: T
  signatures: Signature[]
  /** The bytes as served: hashes and lengths cover these. */
  raw: Buffer
}

/** Parses a metadata file, keeping its raw bytes. */
export function parseEnvelope<T extends Signed>(raw: Buffer, role: string): Envelope<T> {
  let parsed: {signed?: T; signatures?: Signature[]}
  const text = raw.toString('utf8')
  if (nestsDeeperThan(text)) throw new TrustError('malformed', `${role}: nested more than ${maxJsonDepth} deep`)
  try {
    parsed = JSON.parse(text) as typeof parsed
  } catch (error) {
    throw new TrustError('malformed', `${role}: ${(error as Error).message}`)
  }

  if (!parsed?.signed || typeof parsed.signed !== 'object' || Array.isArray(parsed.signed) || !Array.isArray(parsed.signatures)) throw new TrustError('malformed', `${role}: not a signed TUF document`)
  // Each field is read as a string later (a sig of {"length":1e9} would be a gigabyte for Buffer.from).
  const isSignature = (value: Partial<Signature> | null) => typeof value === 'object' && value !== null && typeof value.keyid === 'string' && typeof value.method === 'string' && typeof value.sig === 'string'
  if (!parsed.signatures.every(isSignature)) throw new TrustError('malformed', `${role}: a signature is malformed`)
  return {raw, signatures: parsed.signatures, signed: parsed.signed}
}

/** At least `threshold` distinct keys of the role must have signed the canonical form of `signed`. */
export function checkSignatures(envelope: Envelope<Signed>, role: string, keys: Record<string, TufKey>, roleKeys: RoleKeys): void {
  if (!roleKeys || typeof roleKeys.threshold !== 'number' || !(roleKeys.threshold >= 1) || !Array.isArray(roleKeys.keyids)) throw new TrustError('threshold', `${role}: invalid threshold`)
  const message = Buffer.from(canonicalJson(envelope.signed), 'utf8')
  const valid = new Set<string>()
  for (const signature of envelope.signatures) {
    if (!roleKeys.keyids.includes(signature.keyid) || valid.has(signature.keyid)) continue
    const key = keyNamed(keys, signature.keyid)
    if (!key) continue
    if (keyId(key) !== signature.keyid) throw new TrustError('mismatch', `${role}: key ID ${signature.keyid} does not match its key`)
    if (verifySignature(key, signature, message)) valid.add(signature.keyid)
  }

  if (valid.size < roleKeys.threshold) throw new TrustError('threshold', 'valid signatures did not meet threshold')
}

const typeOf: Record<string, string> = {root: 'Root', snapshot: 'Snapshot', targets: 'Targets', timestamp: 'Timestamp'}

/** The checks every role shares: its type, its expiry (unparsable dates fail), and no going back in versions. */
export function checkFreshness(signed: Signed, role: string, now: Date, cachedVersion?: number): void {
  const expected = typeOf[role] ?? 'Targets'
  if (signed._type !== expected) throw new TrustError('mismatch', `${role}: expected type ${expected}, got ${typeof signed._type === 'string' ? signed._type : shownJson(signed._type)}`)
  if (!Number.isInteger(signed.version)) throw new TrustError('malformed', `${role}: no version`)
  if (typeof signed.expires !== 'string') throw new TrustError('malformed', `${role}: no expiry`)
  const expires = Date.parse(signed.expires)
  if (Number.isNaN(expires) || expires <= now.getTime()) throw new TrustError('expired', `${role} expired at ${signed.expires}`)
  if (cachedVersion !== undefined && signed.version < cachedVersion) {
    throw new TrustError('low-version', `${role}: version ${signed.version} is lower than current version ${cachedVersion}`)
  }
}

/** The raw bytes must match every hash the parent lists, and at least one of them, within its length. */
export function checkHashes(raw: Buffer, meta: FileMeta | undefined, role: string): void {
  if (!meta || typeof meta.length !== 'number') throw new TrustError('missing', `${role}: not listed by its parent`)
  if (raw.length > meta.length) throw new TrustError('mismatch', `${role}: ${raw.length} bytes, more than the ${meta.length} signed for`)
  const present = (['sha256', 'sha512'] as const).filter((algorithm) => meta.hashes?.[algorithm])
  if (present.length === 0) throw new TrustError('mismatch', `${role}: no sha256 or sha512 checksum`)
  for (const algorithm of present) {
    if (createHash(algorithm).update(raw).digest('base64') !== meta.hashes[algorithm]) throw new TrustError('mismatch', `checksum for ${role} did not match`)
  }
}

function commonName(certificate: X509Certificate): string | undefined {
  return /(?:^|\n)CN=([^\n]*)/.exec(certificate.subject)?.[1]
}

/**
 * The common names of the root's certificates that expire within six months: notary warns of each
 * (`certificate with CN … is near expiry`) whenever it validates the root, and docker shows it.
 */
export function rootCertificatesNearExpiry(root: RootSigned, gun: string, now: Date): string[] {
  const horizon = new Date(now)
  horizon.setMonth(horizon.getMonth() + 6)
  return Object.values(leafKeysFor(root, gun, now)).flatMap((key) => {
    const certificate = certificateOf(key)
    return Date.parse(certificate.validTo) < horizon.getTime() ? [commonName(certificate) ?? ''] : []
  })
}

/** Root keys usable for first-use trust: unexpired leaf certificates whose CN is the repository name. */
function leafKeysFor(root: RootSigned, gun: string, now: Date): Record<string, TufKey> {
  const usable: Record<string, TufKey> = {}
  const ids: unknown = root.roles?.root?.keyids
  for (const id of Array.isArray(ids) ? ids : []) {
    const key = typeof id === 'string' ? keyNamed(root.keys, id) : undefined
    if (!key || !isX509(key)) continue
    const certificate = certificateOf(key)
    const name = commonName(certificate) ?? ''
    const namesRepository = name === gun || (name.endsWith('*') && gun.startsWith(name.slice(0, -1)))
    const day = 24 * 60 * 60 * 1000
    const current = Date.parse(certificate.validFrom) <= now.getTime() + day && Date.parse(certificate.validTo) >= now.getTime()
    if (namesRepository && current && !certificate.ca) usable[id] = key
  }

  return usable
}

/** A root seen for the first time: self-signed by certificates that name `gun` (trust on first use). */
export function trustNewRoot(root: Envelope<RootSigned>, gun: string, now: Date): void {
  checkFreshness(root.signed, 'root', now)
  const leaves = leafKeysFor(root.signed, gun, now)
  if (Object.keys(leaves).length === 0) throw new TrustError('untrusted-root', `no valid leaf certificates for ${gun} in the root (their CN must be the repository name)`)
  try {
    checkSignatures(root, 'root', leaves, root.signed.roles.root)
  } catch (error) {
    if (error instanceof TrustError && error.kind === 'threshold') throw new TrustError('untrusted-root', 'failed to validate data with current trusted certificates')
    throw error
  }
}

/**
 * A root replacing a trusted one: signed by the old root's keys at the old threshold, and by its own.
 * An intermediate root (a step of a chain `<v>.root.json`) need not be fresh any more: only the last is.
 */
export function rotateRoot(trusted: Envelope<RootSigned>, next: Envelope<RootSigned>, gun: string, now: Date, intermediate = false): void {
  try {
    checkSignatures(next, 'root', trusted.signed.keys, trusted.signed.roles.root)
  } catch (error) {
    if (error instanceof TrustError && error.kind === 'threshold') throw new TrustError('untrusted-root', 'could not rotate trust to a new trusted root: failed to validate data with current trusted certificates')
    throw error
  }

  if (intermediate) checkSignatures(next, 'root', next.signed.keys, next.signed.roles.root)
  else trustNewRoot(next, gun, now)
  if (next.signed.version < trusted.signed.version) {
    throw new TrustError('low-version', `root: version ${next.signed.version} is lower than current version ${trusted.signed.version}`)
  }
}

/** sha256 of a listed file, in hex, for consistent-snapshot file names (`snapshot.<hex>.json`). */
export function hexSha256(meta: FileMeta): string | undefined {
  return typeof meta.hashes?.sha256 === 'string' && meta.hashes.sha256 ? Buffer.from(meta.hashes.sha256, 'base64').toString('hex') : undefined
}
