// cosign signatures checked the way `cosign verify` checks them, with sigstore-js (@sigstore/verify)
// doing the cryptography: certificate chains to a trusted CA at the signing time, transparency log
// entries (SET, inclusion proof, checkpoint), RFC 3161 timestamps, SCTs, the signature itself.
// dkr adds what sigstore-js leaves to its callers:
// - a legacy `.sig` layer becomes the v0.1 bundle cosign itself would check (leaf, SET as inclusion
//   promise, message signature over the payload);
// - under containers/image's rules, untrusted intermediates from a legacy signature's chain annotation
//   join the trust material once they chain to a trusted CA (sigstore-js builds paths from the root's
//   certificates only); under cosign's flags they do not, as cosign 3 with a trusted root ignores them;
// - the log entry must name this signature's key or certificate (sigstore-js does not compare a
//   hashedrekord's public key; containers/image does);
// - codeSigning EKU, and Fulcio's issuer extensions v1 and v2 agreeing when both are present;
// - identities matched as cosign matches them: exact strings whole, regular expressions unanchored (Go's
//   MatchString), against the certificate's SAN and OIDC issuer;
// - the signed claim must be for the manifest digest being pulled;
// - what dates a keyless signature, as cosign chooses it (SigstoreRules.signingTime): the log's integrated
//   time, an RFC 3161 timestamp, or, with the log ignored, the current time. sigstore-js has no way to
//   check a certificate at the current time (it checks the chain at each verified timestamp, and with none
//   checks no chain at all), so that check calls its own chain verifier (and SCT check) with `new Date()`:
//   those are not exported from the package's index, hence the import from its dist/key modules.
import {createHash, createPublicKey, type KeyObject} from 'node:crypto'
import {bundleFromJSON, type Bundle, type SerializedBundle} from '@sigstore/bundle'
import {hasLengthField, isJsonObject} from '../io/json.js'
import {EXTENSION_OID_SCT, RFC3161Timestamp, X509Certificate} from '@sigstore/core'
import {toSignedEntity, Verifier, type SignedEntity, type TrustMaterial} from '@sigstore/verify'
import {verifyCertificateChain} from '@sigstore/verify/dist/key/certificate.js'
import {verifySCTs} from '@sigstore/verify/dist/key/sct.js'
import {bundleEnvelope, payloadClaim, statementProblem, type Candidate, type SignatureFormat} from './cosign.js'
import {pemBlocks, type PublicKey} from './keys.js'

/** An exact value (the whole string) or a regular expression (matching anywhere, as cosign's do). */
export type Match = {exact: string} | {regexp: RegExp}

/** Who must have signed: the certificate's SAN (email or URI) and the OIDC issuer Fulcio recorded. */
export interface CertificateIdentity {
  san: Match
  issuer: Match
  /** containers/image's `subjectEmail`: only an email SAN counts. */
  emailOnly?: boolean
}

/** What signatures are checked against: CAs, transparency logs, CT logs, timestamp authorities. */
export type TrustRoots = Omit<TrustMaterial, 'publicKey'>

export interface SigstoreRules {
  trust: TrustRoots
  /** Keyless: the identity the certificate must carry. */
  identity?: CertificateIdentity
  /** Keyed: the keys one of which must have signed (no certificate needed). */
  keys?: readonly PublicKey[]
  /** A transparency log entry is required (cosign's default; --insecure-ignore-tlog drops it). */
  requireTlog: boolean
  /** SCTs required in the certificate (cosign: when the trusted root lists CT logs). */
  requireSct: boolean
  /**
   * Embedded SCTs not looked at (cosign's --insecure-ignore-sct: neither cosign nor sigstore-go verifies
   * them then). Otherwise every embedded SCT must verify against a CT log of the trust, required or not.
   */
  ignoreSct?: boolean
  /**
   * What must date a keyless signature (the time its certificate is checked at), as cosign chooses:
   * - 'log': a log entry's integrated time (cosign's default), or where every entry is Rekor v2's (which
   *   has none) an RFC 3161 timestamp, as cosign then turns --use-signed-timestamps on by itself;
   * - 'timestamp': an RFC 3161 timestamp by an authority of the root (--use-signed-timestamps);
   * - 'now': the current time, log entries and timestamps left aside (--insecure-ignore-tlog alone).
   * Absent: either a log's integrated time or a timestamp (sigstore-go's observer timestamps).
   */
  signingTime?: 'log' | 'timestamp' | 'now'
  /**
   * The intermediates a legacy signature carries in its chain annotation may complete the path to a
   * trusted CA, as containers/image lets them. cosign 3 (with --trusted-root or TUF) and sigstore-go
   * build the path from the root's CAs alone and ignore the annotation.
   */
  carriedIntermediates?: boolean
}

/** Who signed and what dated it, for --json and the terminal. */
export interface SigstoreSigner {
  format: SignatureFormat
  /** Keyless: the certificate's SAN and OIDC issuer. */
  san?: string
  issuer?: string
  /** Keyed: the key's file or label. */
  key?: string
  /** The docker-reference a legacy signature claims (bundles name no repository). */
  identity?: string
  logEntry?: {logID: string; logIndex: string; integratedTime?: string}
  /** When an RFC 3161 timestamp that dated the signature says it was made (ISO 8601). */
  timestamp?: string
}

/** How far a signature got, so a refusal names the closest miss. */
export type SigstoreResult =
  | {stage: 'unsigned' | 'other-subject' | 'other-signer'; format: SignatureFormat; reason: string}
  | {stage: 'signed'; signer: SigstoreSigner}

const annotation = {
  bundle: 'dev.sigstore.cosign/bundle',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  timestamp: 'dev.sigstore.cosign/rfc3161timestamp',
}

const oidIssuerV1 = '1.3.6.1.4.1.57264.1.1'
const oidIssuerV2 = '1.3.6.1.4.1.57264.1.8'
const oidExtKeyUsage = '2.5.29.37'
const oidCodeSigning = '1.3.6.1.5.5.7.3.3'

/** Certificates from PEM text; throws when one is not DER a certificate parser accepts. */
export function parseCertificates(pem: string): X509Certificate[] {
  return pemBlocks(pem).map((der) => X509Certificate.parse(der))
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return isJsonObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

/**
 * The bundle cosign checks for a legacy signature: its certificate (or a key hint), the Rekor SET from
 * the bundle annotation as an inclusion promise, an RFC 3161 timestamp when annotated, and the message
 * signature over the payload. Throws an Error saying which annotation is broken.
 */
export function legacyBundle(candidate: Extract<Candidate, {format: 'simplesigning'}>): {bundle: SerializedBundle; intermediates: string | undefined} {
  const {annotations, payload, signature} = candidate
  const certificate = annotations[annotation.certificate]
  const certificates = certificate ? pemBlocks(certificate) : []
  if (certificate && certificates.length !== 1) throw new Error('the certificate annotation does not hold one PEM certificate')
  const tlogEntries: SerializedBundle['verificationMaterial']['tlogEntries'] = []
  const setText = annotations[annotation.bundle]
  if (setText) {
    const set = jsonObject(setText)
    const entry = set?.Payload as {body?: unknown; integratedTime?: unknown; logIndex?: unknown; logID?: unknown} | undefined
    if (typeof set?.SignedEntryTimestamp !== 'string' || typeof entry?.body !== 'string' || typeof entry.integratedTime !== 'number' || typeof entry.logIndex !== 'number' || typeof entry.logID !== 'string' || !/^[0-9a-f]{64}$/.test(entry.logID)) {
      throw new Error('the Rekor bundle annotation is not a SET cosign writes')
    }

    tlogEntries.push({
      canonicalizedBody: entry.body,
      inclusionPromise: {signedEntryTimestamp: set.SignedEntryTimestamp},
      inclusionProof: undefined,
      integratedTime: String(entry.integratedTime),
      kindVersion: {kind: 'hashedrekord', version: '0.0.1'},
      logId: {keyId: Buffer.from(entry.logID, 'hex').toString('base64')},
      logIndex: String(entry.logIndex),
    })
  }

  const rfc3161Timestamps: {signedTimestamp: string}[] = []
  const timestampText = annotations[annotation.timestamp]
  if (timestampText) {
    const signed = jsonObject(timestampText)?.SignedRFC3161Timestamp
    if (typeof signed !== 'string') throw new Error('the RFC 3161 timestamp annotation is not one cosign writes')
    rfc3161Timestamps.push({signedTimestamp: signed})
  }

  const content = certificates.length === 1 ? {x509CertificateChain: {certificates: [{rawBytes: certificates[0].toString('base64')}]}} : {publicKey: {hint: ''}}
  const bundle = {
    mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
    messageSignature: {messageDigest: {algorithm: 'SHA2_256', digest: createHash('sha256').update(payload).digest('base64')}, signature},
    verificationMaterial: {...content, timestampVerificationData: {rfc3161Timestamps}, tlogEntries},
  } as SerializedBundle
  return {bundle, intermediates: annotations[annotation.chain]}
}

/**
 * The trust material with the signature's intermediates added, each only once it is signed by a
 * certificate already trusted (so an attacker's chain never becomes trusted by being carried along).
 * containers/image and cosign take every chain certificate but the last (the root) as untrusted.
 */
export function withIntermediates(trust: TrustRoots, chainPem: string | undefined): TrustRoots {
  if (!chainPem) return trust
  let carried: X509Certificate[]
  try {
    carried = parseCertificates(chainPem).slice(0, -1)
  } catch {
    return trust
  }

  if (carried.length === 0) return trust
  const certificateAuthorities = trust.certificateAuthorities.map((ca) => {
    const accepted = [...ca.certChain]
    let grew = true
    while (grew) {
      grew = false
      for (const candidate of carried) {
        if (accepted.some((c) => c.equals(candidate)) || !candidate.isCA) continue
        if (accepted.some((issuer) => issuer.subject.equals(candidate.issuer) && safeVerify(candidate, issuer))) {
          accepted.push(candidate)
          grew = true
        }
      }
    }

    return {...ca, certChain: accepted}
  })
  return {...trust, certificateAuthorities}
}

function safeVerify(certificate: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return certificate.verify(issuer)
  } catch {
    return false
  }
}

/**
 * Logs known by their key alone (a policy's rekorPublicKey*, with an empty baseURL) named after the
 * bundle's checkpoint signers: sigstore-js accepts a checkpoint signature only from a log whose URL holds
 * the signer's name, and for such a log the key is what authenticates the checkpoint.
 */
function nameKeyOnlyLogs(trust: TrustRoots, bundle: Bundle): TrustRoots {
  if (!trust.tlogs.some((log) => log.baseURL === '')) return trust
  const names = bundle.verificationMaterial.tlogEntries.flatMap((entry) => [...(entry.inclusionProof?.checkpoint?.envelope ?? '').matchAll(/\u2014 (\S+) /g)].map((m) => m[1]))
  return {...trust, tlogs: trust.tlogs.map((log) => (log.baseURL === '' ? {...log, baseURL: names.join(' ')} : log))}
}

/** The bundle without its RFC 3161 timestamps. */
function withoutTimestamps(bundle: Bundle): Bundle {
  const material = bundle.verificationMaterial
  const data = material.timestampVerificationData
  return {...bundle, verificationMaterial: {...material, timestampVerificationData: data && {...data, rfc3161Timestamps: []}}}
}

/**
 * The bundle without what `signingTime` says cosign does not look at: with 'log', its RFC 3161 timestamps
 * (cosign verifies signed timestamps only when asked); with 'now', its timestamps and log entries. Absent,
 * the timestamps are dropped only when the trust has no timestamp authority and every log entry carries an
 * integrated time: nothing could check them and nothing needs them (sigstore-js would refuse them).
 */
function withoutUncheckedDating(bundle: Bundle, trust: TrustRoots, signingTime: SigstoreRules['signingTime']): Bundle {
  if (signingTime === 'now') {
    const undated = withoutTimestamps(bundle)
    return {...undated, verificationMaterial: {...undated.verificationMaterial, tlogEntries: []}}
  }

  if (signingTime === 'log') return withoutTimestamps(bundle)
  if (signingTime === 'timestamp' || !bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.length || trust.timestampAuthorities.length > 0) return bundle
  const entries = bundle.verificationMaterial.tlogEntries
  if (entries.length === 0 || entries.some((entry) => !(Number(entry.integratedTime) > 0))) return bundle
  return withoutTimestamps(bundle)
}

/**
 * cosign's choice for a keyless bundle whose log entries are all Rekor v2's (no integrated time): it
 * turns --use-signed-timestamps on (pkg/cosign/verify_bundle.go, rekorV2Bundle), not with a mixed bundle.
 */
function effectiveSigningTime(bundle: Bundle, signingTime: SigstoreRules['signingTime']): SigstoreRules['signingTime'] {
  const entries = bundle.verificationMaterial.tlogEntries
  const onlyRekorV2 = entries.length > 0 && entries.every((entry) => !(Number(entry.integratedTime) > 0))
  return signingTime === 'log' && onlyRekorV2 ? 'timestamp' : signingTime
}

/** Why no RFC 3161 timestamp can date the signature when `signingTime` requires one. */
function datingProblem(bundle: Bundle, trust: TrustRoots, signingTime: SigstoreRules['signingTime'], asked: boolean): string | undefined {
  if (signingTime !== 'timestamp') return undefined
  if (!bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.length) {
    return asked ? 'a signature with no RFC 3161 timestamp, which --use-signed-timestamps requires' : 'a Rekor v2 log entry (which has no integrated time) and no RFC 3161 timestamp to date the signature'
  }

  return trust.timestampAuthorities.length === 0 ? 'an RFC 3161 timestamp, and the trusted root has no timestamp authority to check it' : undefined
}

/**
 * cosign's check with the log ignored and no signed timestamp: the certificate chains to a CA of the
 * trust (sigstore-js's chain verifier) at the current time, its embedded SCTs verify (sigstore-js's SCT
 * check) unless ignored, one at least when required, and the signature verifies with its key
 * (sigstore-js, the certificate's key as the entity's key: its validity is the chain's, checked just
 * before). Returns the signer's key; throws sigstore-js's errors.
 */
function verifyAtCurrentTime(entity: SignedEntity, leaf: X509Certificate, trust: TrustMaterial, sct: Pick<SigstoreRules, 'ignoreSct' | 'requireSct'>): KeyObject {
  let path: X509Certificate[]
  try {
    path = verifyCertificateChain(new Date(), leaf, trust.certificateAuthorities)
  } catch (error) {
    // sigstore-js says "at the specified date": say which.
    throw new Error(`${describeError(error)}, checked at the current time (--insecure-ignore-tlog)`, {cause: error})
  }

  if (!sct.ignoreSct && verifySCTs(path[0], path[1], trust.ctlogs).length === 0 && sct.requireSct) throw new Error('expected 1 SCTs, got 0')
  const key = createPublicKey({format: 'der', key: leaf.publicKey, type: 'spki'})
  const verifier = new Verifier({...trust, publicKey: () => ({publicKey: key, validFor: () => true})}, {ctlogThreshold: 0, timestampThreshold: 0, tlogThreshold: 0})
  return verifier.verify({...entity, key: {$case: 'public-key', hint: ''}}).key
}

function matches(match: Match, value: string | undefined): boolean {
  if (value === undefined) return false
  return 'exact' in match ? value === match.exact : match.regexp.test(value)
}

export function describeMatch(match: Match): string {
  return 'exact' in match ? match.exact : `/${match.regexp.source}/`
}

const re2Unsupported = /\(\?[=!]|\(\?<[=!]|\\[1-9]|\\k</

/**
 * A cosign-style regular expression (Go RE2) as a JavaScript one. Go's inline flags prefix `(?i)` etc.
 * is translated; lookaround and backreferences, which RE2 rejects, are rejected here too.
 */
export function compileRegexp(source: string, what: string): RegExp {
  if (re2Unsupported.test(source)) throw new Error(`${what}: lookaround and backreferences are not RE2 syntax`)
  const inline = /^\(\?([imsU]+)\)/.exec(source)
  const flags = inline ? [...new Set(inline[1].replace('U', '').split(''))].join('') : ''
  try {
    return new RegExp(inline ? source.slice(inline[0].length) : source, `${flags}u`)
  } catch (error) {
    throw new Error(`${what}: ${(error as Error).message}`, {cause: error})
  }
}

function issuerOf(certificate: X509Certificate): {issuer?: string; problem?: string} {
  const v1 = certificate.extension(oidIssuerV1)?.value.toString('utf8')
  const v2Extension = certificate.extension(oidIssuerV2)
  const v2 = v2Extension?.valueObj.subs[0]?.value.toString('utf8')
  if (v1 !== undefined && v2 !== undefined && v1 !== v2) return {problem: `a certificate whose OIDC issuer extensions disagree (${v1}, ${v2})`}
  return {issuer: v2 ?? v1}
}

function hasCodeSigning(certificate: X509Certificate): boolean {
  const extension = certificate.extension(oidExtKeyUsage)
  if (!extension) return false
  try {
    return (extension.valueObj.subs[0]?.subs ?? []).some((oid) => oid.toOID() === oidCodeSigning)
  } catch {
    return false
  }
}

function spki(pemOrDer: Buffer | string): Buffer | undefined {
  try {
    const text = Buffer.isBuffer(pemOrDer) ? pemOrDer.toString('utf8') : pemOrDer
    return createPublicKey(text.includes('-----BEGIN') ? text : {format: 'der', key: Buffer.from(text, 'base64'), type: 'spki'}).export({format: 'der', type: 'spki'})
  } catch {
    return undefined
  }
}

/** Key material a log entry body names as the signer (hashedrekord and dsse, Rekor v1 and v2). */
function bodyVerifiers(body: Record<string, unknown>): {certificates: Buffer[]; keys: Buffer[]} {
  const certificates: Buffer[] = []
  const keys: Buffer[] = []
  const addPem = (b64: unknown) => {
    if (typeof b64 !== 'string') return
    const pem = Buffer.from(b64, 'base64').toString('utf8')
    const blocks = pemBlocks(pem)
    if (blocks.length > 0) certificates.push(...blocks)
    else {
      const key = spki(pem)
      if (key) keys.push(key)
    }
  }

  const addV2 = (verifier: {x509Certificate?: {rawBytes?: unknown}; publicKey?: {rawBytes?: unknown}} | undefined) => {
    if (typeof verifier?.x509Certificate?.rawBytes === 'string') certificates.push(Buffer.from(verifier.x509Certificate.rawBytes, 'base64'))
    if (typeof verifier?.publicKey?.rawBytes === 'string') {
      const key = spki(verifier.publicKey.rawBytes)
      if (key) keys.push(key)
    }
  }

  const spec = body.spec as Record<string, any> | undefined // eslint-disable-line @typescript-eslint/no-explicit-any
  addPem(spec?.signature?.publicKey?.content) // hashedrekord 0.0.1
  for (const s of Array.isArray(spec?.signatures) ? spec.signatures : []) addPem(s?.verifier) // dsse 0.0.1
  for (const s of Array.isArray(spec?.content?.envelope?.signatures) ? spec.content.envelope.signatures : []) addPem(s?.publicKey) // intoto 0.0.2
  addV2(spec?.hashedRekordV002?.signature?.verifier) // hashedrekord 0.0.2
  for (const s of Array.isArray(spec?.dsseV002?.signatures) ? spec.dsseV002.signatures : []) addV2(s?.verifier) // dsse 0.0.2
  return {certificates, keys}
}

/** Whether every log entry names this signature's certificate (or, keyed, its key). */
function logEntriesProblem(bundle: Bundle, leaf: X509Certificate | undefined, key: KeyObject): string | undefined {
  const signerKey = key.export({format: 'der', type: 'spki'})
  for (const entry of bundle.verificationMaterial.tlogEntries) {
    let body: Record<string, unknown> | undefined
    try {
      body = jsonObject(entry.canonicalizedBody.toString('utf8'))
    } catch {
      body = undefined
    }

    if (!body) return 'a log entry whose body is not JSON'
    const named = bodyVerifiers(body)
    const ok = leaf ? named.certificates.some((der) => der.equals(leaf.root.toDER())) : named.keys.some((k) => k.equals(signerKey))
    if (!ok) return leaf ? 'a log entry for another certificate' : 'a log entry for another key'
  }

  return undefined
}

function signedWith(bundle: Bundle): X509Certificate | undefined {
  const content = bundle.verificationMaterial.content
  if (content.$case === 'x509CertificateChain') return X509Certificate.parse(Buffer.from(content.x509CertificateChain.certificates[0].rawBytes))
  if (content.$case === 'certificate') return X509Certificate.parse(Buffer.from(content.certificate.rawBytes))
  return undefined
}

/**
 * A leaf whose embedded SCTs sigstore-js does not see: it finds them in the clone it makes of the leaf
 * to rebuild the precertificate (key/sct.js), so the clone leaves the SCT list out. The chain is still
 * checked on the leaf as signed. Should sigstore-js find SCTs another way, they are checked again (the
 * unit test of --insecure-ignore-sct then fails): never fewer checks than asked for.
 */
class LeafWithSctsIgnored extends X509Certificate {
  override clone(): X509Certificate {
    const clone = super.clone()
    const at = clone.extensions.findIndex((extension) => extension.subs[0]?.toOID() === EXTENSION_OID_SCT)
    if (at >= 0) clone.extensions.splice(at, 1)
    return clone
  }
}

function withSctsIgnored(entity: SignedEntity): SignedEntity {
  if (entity.key.$case !== 'certificate') return entity
  return {...entity, key: {...entity.key, certificate: new LeafWithSctsIgnored(entity.key.certificate.root)}}
}

function describeError(error: unknown): string {
  const e = error as {message?: string; cause?: {message?: string}}
  const cause = e.cause?.message
  return `${e.message ?? String(error)}${cause && !e.message?.includes(cause) ? ` (${cause})` : ''}`.replace(/\s+/g, ' ')
}

interface Prepared {
  bundle: Bundle
  artifact?: Buffer
  intermediates?: string
  /** The digest problem of the signed claim, or the docker-reference a legacy payload claims. */
  claim: {identity?: string} | {problem: string}
}

function prepare(candidate: Candidate, digest: string): Prepared {
  if (candidate.format === 'simplesigning') {
    const {bundle, intermediates} = legacyBundle(candidate)
    return {artifact: candidate.payload, bundle: bundleFromJSON(bundle), claim: payloadClaim(candidate.payload, digest), intermediates}
  }

  const envelope = bundleEnvelope(candidate.bundle)
  if (!envelope) throw new Error('a damaged bundle (no DSSE envelope)')
  const problem = statementProblem(envelope.payloadType, envelope.payload, digest)
  if (hasLengthField(envelope.document)) throw new Error('a field named "length", which no bundle has')
  return {bundle: bundleFromJSON(envelope.document), claim: problem ? {problem} : {}}
}

function logEntryOf(bundle: Bundle): SigstoreSigner['logEntry'] {
  const entry = bundle.verificationMaterial.tlogEntries[0]
  if (!entry) return undefined
  const integrated = Number(entry.integratedTime)
  return {integratedTime: integrated > 0 ? new Date(integrated * 1000).toISOString() : undefined, logID: entry.logId.keyId.toString('hex'), logIndex: entry.logIndex}
}

/** The time the first RFC 3161 timestamp left in the bundle gives (sigstore-js verified each one that is). */
function timestampOf(bundle: Bundle): string | undefined {
  const [first] = bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? []
  return first && RFC3161Timestamp.parse(Buffer.from(first.signedTimestamp)).signingTime.toISOString()
}

/**
 * Verifies a parsed bundle (over `artifact` for a message signature) under `rules`: the cryptography by
 * sigstore-js, then the log entry's key, the certificate's EKU, issuer and identity. Never throws.
 */
export function verifyBundle(given: Bundle, artifact: Buffer | undefined, rules: SigstoreRules, format: SignatureFormat = 'bundle', intermediates?: string): SigstoreResult {
  let leaf: X509Certificate | undefined
  try {
    leaf = signedWith(given)
  } catch (error) {
    return {format, reason: `a damaged certificate (${describeError(error)})`, stage: 'unsigned'}
  }

  const signingTime = leaf ? effectiveSigningTime(given, rules.signingTime) : rules.signingTime
  const bundle = withoutUncheckedDating(given, rules.trust, signingTime)

  const material = bundle.verificationMaterial
  if (!leaf && !rules.keys) return {format, reason: 'a signature made with a key, not a certificate', stage: 'unsigned'}
  if (leaf && !rules.identity) return {format, reason: 'a keyless signature, where a key was required', stage: 'unsigned'}
  if (rules.requireTlog && material.tlogEntries.length === 0) return {format, reason: 'a signature with no transparency log entry', stage: 'unsigned'}
  const undated = datingProblem(given, rules.trust, signingTime, rules.signingTime === 'timestamp')
  if (undated) return {format, reason: undated, stage: 'unsigned'}
  if (leaf && signingTime !== 'now' && material.tlogEntries.length === 0 && !material.timestampVerificationData?.rfc3161Timestamps.length) {
    // Only cosign's --insecure-ignore-tlog (signingTime 'now') checks a certificate at the current time.
    return {format, reason: 'a keyless signature with neither a log entry nor a timestamp to date it', stage: 'unsigned'}
  }

  let lastError = 'no key to check it with'
  for (const key of leaf ? [undefined] : (rules.keys ?? [])) {
    const trust: TrustMaterial = {...withIntermediates(nameKeyOnlyLogs(rules.trust, bundle), rules.carriedIntermediates ? intermediates : undefined), publicKey: () => ({publicKey: key!.key, validFor: () => true})}
    const verifier = new Verifier(trust, {ctlogThreshold: leaf && rules.requireSct ? 1 : 0, timestampThreshold: leaf || rules.requireTlog ? 1 : 0, tlogThreshold: rules.requireTlog ? 1 : 0})
    let signerKey: KeyObject
    try {
      const entity = toSignedEntity(bundle, artifact)
      signerKey = leaf && signingTime === 'now' ? verifyAtCurrentTime(entity, leaf, trust, rules) : verifier.verify(rules.ignoreSct ? withSctsIgnored(entity) : entity).key
    } catch (error) {
      lastError = describeError(error)
      // sigstore-js checks every SCT a certificate embeds; without CT logs that cannot succeed.
      if (/SCT verification failed/.test(lastError) && rules.trust.ctlogs.length === 0) lastError = `${lastError}: no CT log to check the certificate's SCT against (give --trusted-root FILE or set the trustedRoot preference; its CT logs are used)`
      // sigstore-js counts; cosign's users know the flag.
      if (/^expected 1 SCTs, got 0/.test(lastError)) lastError = 'the certificate has no SCT (certificate transparency proof) from a CT log of the trusted root, which cosign requires without --insecure-ignore-sct'
      continue
    }

    const entryProblem = logEntriesProblem(bundle, leaf, signerKey)
    if (entryProblem) return {format, reason: entryProblem, stage: 'unsigned'}
    const dated = {logEntry: logEntryOf(bundle), timestamp: timestampOf(bundle)}
    if (!leaf) return {signer: {format, key: key!.label, ...dated}, stage: 'signed'}
    const identity = rules.identity!
    if (!hasCodeSigning(leaf)) return {format, reason: 'a certificate without the codeSigning extended key usage', stage: 'unsigned'}
    const issuer = issuerOf(leaf)
    if (issuer.problem) return {format, reason: issuer.problem, stage: 'unsigned'}
    const names = leaf.extSubjectAltName
    const san = identity.emailOnly ? names?.rfc822Name : (names?.uri ?? names?.rfc822Name)
    const signer = san ?? (identity.emailOnly && names?.uri ? `${names.uri}, which has no email SAN` : 'a certificate without a SAN')
    if (!matches(identity.san, san)) return {format, reason: `a signature by ${signer}, not ${describeMatch(identity.san)}`, stage: 'other-signer'}
    if (!matches(identity.issuer, issuer.issuer)) return {format, reason: `a signature by ${san} from issuer ${issuer.issuer ?? '(none)'}, not ${describeMatch(identity.issuer)}`, stage: 'other-signer'}
    return {signer: {format, issuer: issuer.issuer, san, ...dated}, stage: 'signed'}
  }

  return {format, reason: `a signature that does not verify: ${lastError}`, stage: 'unsigned'}
}

/** Verifies one cosign signature found for `digest`: the bundle, then that it signs this digest. */
export function verifySigstore(candidate: Candidate, digest: string, rules: SigstoreRules): SigstoreResult {
  let prepared: Prepared
  try {
    prepared = prepare(candidate, digest)
  } catch (error) {
    return {format: candidate.format, reason: `a damaged signature (${describeError(error)})`, stage: 'unsigned'}
  }

  const result = verifyBundle(prepared.bundle, prepared.artifact, rules, candidate.format, prepared.intermediates)
  if (result.stage !== 'signed') return result
  if ('problem' in prepared.claim) return {format: candidate.format, reason: prepared.claim.problem, stage: 'other-subject'}
  return {signer: {...result.signer, identity: prepared.claim.identity}, stage: 'signed'}
}
