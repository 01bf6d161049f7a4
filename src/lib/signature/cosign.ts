// cosign's two signature formats, found through the registry client and checked offline with a key:
// - bundle (cosign 3's default): a referrer of the image (OCI referrers API, else the referrers tag
//   schema `sha256-<hex>`), one layer holding a sigstore bundle v0.3 whose DSSE envelope carries an
//   in-toto statement for the digest;
// - legacy simple signing: the tag `sha256-<hex>.sig`, each layer a payload naming the digest and the
//   repository, with the signature over the payload's bytes in an annotation.
// A fallback index's artifactType is not trusted (cosign versions disagree on it): every listed manifest
// is opened, and only its own artifactType/layers and `subject` count.
import {RegistryError, type RegistryClient} from '../registry/client.js'
import {verifySignature, type PublicKey} from './keys.js'
import {isJsonObject, type JsonObject} from '../io/json.js'

export type SignatureFormat = 'bundle' | 'simplesigning'

const bundleType = 'application/vnd.dev.sigstore.bundle.v0.3+json'
const bundleTypes = new Set([bundleType, 'application/vnd.dev.sigstore.bundle+json;version=0.3'])
const simpleSigningType = 'application/vnd.dev.cosign.simplesigning.v1+json'
const signatureAnnotation = 'dev.cosignproject.cosign/signature'
const inTotoPayloadType = 'application/vnd.in-toto+json'
const inTotoStatementTypes = new Set(['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1'])
export const cosignPredicateType = 'https://sigstore.dev/cosign/sign/v1'
const cosignPayloadType = 'cosign container image signature'
/** At most this many signature manifests are opened per image (a registry cannot make dkr loop). */
const candidateLimit = 64

/** A signature found for a digest, not yet verified. */
export type Candidate =
  | {format: 'bundle'; bundle: Buffer}
  | {format: 'simplesigning'; payload: Buffer; signature: string; annotations: Record<string, string>}

export interface Found {
  candidates: Candidate[]
  /** Signature artifacts that could not be read (a blob that does not match its digest, broken JSON). */
  damaged: string[]
}

function sigTag(digest: string): string {
  return digest.replace(':', '-')
}

async function findBundles(client: RegistryClient, repository: string, digest: string, found: Found): Promise<void> {
  for (const descriptor of (await client.referrersOrTagSchema(repository, digest)).slice(0, candidateLimit)) {
    try {
      const manifest = await client.manifest(repository, descriptor.digest)
      const document = manifest?.document
      if (!document || document.subject?.digest !== digest) continue
      const layers = document.layers ?? []
      const isBundle = bundleTypes.has(document.artifactType ?? '') || layers.some((layer) => bundleTypes.has(layer.mediaType))
      if (!isBundle) continue
      for (const layer of layers.filter((l) => bundleTypes.has(l.mediaType))) found.candidates.push({bundle: await client.blob(repository, layer), format: 'bundle'})
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error
      found.damaged.push(`bundle ${descriptor.digest}: ${error.message}`)
    }
  }
}

async function findLegacy(client: RegistryClient, repository: string, digest: string, found: Found): Promise<void> {
  let manifest
  try {
    manifest = await client.manifest(repository, `${sigTag(digest)}.sig`)
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error
    found.damaged.push(`${sigTag(digest)}.sig: ${error.message}`)
    return
  }

  for (const layer of (manifest?.document.layers ?? []).slice(0, candidateLimit)) {
    const signature = layer.annotations?.[signatureAnnotation]
    if (layer.mediaType !== simpleSigningType || !signature) continue
    try {
      found.candidates.push({annotations: layer.annotations ?? {}, format: 'simplesigning', payload: await client.blob(repository, layer), signature})
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error
      found.damaged.push(`${sigTag(digest)}.sig layer ${layer.digest}: ${error.message}`)
    }
  }
}

/** Every cosign signature the registry holds for `digest`, in both formats. */
export async function findSignatures(client: RegistryClient, repository: string, digest: string): Promise<Found> {
  const found: Found = {candidates: [], damaged: []}
  await findBundles(client, repository, digest, found)
  await findLegacy(client, repository, digest, found)
  return found
}

/** How far a signature got: not by any key; by a key but for something else; fully checked. */
export type Checked =
  | {stage: 'unsigned'; format: SignatureFormat; reason: string}
  | {stage: 'other-subject'; format: SignatureFormat; key: PublicKey; reason: string}
  | {stage: 'signed'; format: SignatureFormat; key: PublicKey; identity?: string}

/** DSSE's pre-authentication encoding: what the envelope's signatures sign. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `), payload])
}

function json(bytes: Buffer): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'))
    return isJsonObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

function signerOf(keys: readonly PublicKey[], data: Buffer, signatures: readonly string[]): PublicKey | undefined {
  return keys.find((key) => signatures.some((signature) => verifySignature(key, data, Buffer.from(signature, 'base64'))))
}

/** Whether a DSSE payload is cosign's in-toto statement for `digest`, or why not. */
export function statementProblem(payloadType: string, payload: Buffer, digest: string): string | undefined {
  const statement = json(payload)
  const subjects = Array.isArray(statement?.subject) ? (statement.subject as {digest?: Record<string, unknown>}[]) : []
  const [algorithm, hex] = digest.split(':')
  if (payloadType !== inTotoPayloadType || !inTotoStatementTypes.has(String(statement?._type))) return 'a bundle whose payload is not an in-toto statement'
  if (statement?.predicateType !== cosignPredicateType) return `a bundle for predicate ${String(statement?.predicateType)}, not a cosign signature`
  if (!subjects.some((s) => s?.digest?.[algorithm] === hex)) return 'a bundle signed for another digest'
  return undefined
}

/** What a legacy simple-signing payload claims for `digest`: its docker-reference, or why it does not fit. */
export function payloadClaim(payload: Buffer, digest: string): {identity: string} | {problem: string} {
  const critical = json(payload)?.critical as {type?: unknown; image?: Record<string, unknown>; identity?: Record<string, unknown>} | undefined
  if (critical?.type !== cosignPayloadType) return {problem: 'a signed payload that is not a cosign container image signature'}
  const signedDigest = critical.image?.['docker-manifest-digest']
  if (signedDigest !== digest) return {problem: `a signature for another digest (${String(signedDigest)})`}
  const identity = critical.identity?.['docker-reference']
  if (typeof identity !== 'string') return {problem: 'a signature without a docker-reference'}
  return {identity}
}

/** A bundle's DSSE envelope, or undefined when the bytes are not a v0.3 bundle with one. */
export function bundleEnvelope(bundle: Buffer): {document: JsonObject; payloadType: string; payload: Buffer; signatures: string[]} | undefined {
  const document = json(bundle)
  const envelope = document?.dsseEnvelope as {payload?: unknown; payloadType?: unknown; signatures?: {sig?: unknown}[]} | undefined
  if (!document || !bundleTypes.has(String(document.mediaType)) || typeof envelope?.payload !== 'string' || typeof envelope.payloadType !== 'string' || !Array.isArray(envelope.signatures)) return undefined
  const signatures = envelope.signatures.map((s) => s?.sig).filter((s): s is string => typeof s === 'string')
  return {document, payload: Buffer.from(envelope.payload, 'base64'), payloadType: envelope.payloadType, signatures}
}

function checkBundle(bundle: Buffer, digest: string, keys: readonly PublicKey[]): Checked {
  const envelope = bundleEnvelope(bundle)
  if (!envelope) return {format: 'bundle', reason: 'a damaged bundle (no DSSE envelope)', stage: 'unsigned'}
  const key = signerOf(keys, pae(envelope.payloadType, envelope.payload), envelope.signatures)
  if (!key) return {format: 'bundle', reason: 'a bundle signed by none of the accepted keys', stage: 'unsigned'}
  const problem = statementProblem(envelope.payloadType, envelope.payload, digest)
  return problem ? {format: 'bundle', key, reason: problem, stage: 'other-subject'} : {format: 'bundle', key, stage: 'signed'}
}

function checkSimpleSigning(payload: Buffer, signature: string, digest: string, keys: readonly PublicKey[]): Checked {
  const key = signerOf(keys, payload, [signature])
  if (!key) return {format: 'simplesigning', reason: 'a signature by none of the accepted keys', stage: 'unsigned'}
  const claim = payloadClaim(payload, digest)
  return 'problem' in claim ? {format: 'simplesigning', key, reason: claim.problem, stage: 'other-subject'} : {format: 'simplesigning', identity: claim.identity, key, stage: 'signed'}
}

/** Checks one candidate against the digest it was found for, with the accepted keys. */
export function checkCandidate(candidate: Candidate, digest: string, keys: readonly PublicKey[]): Checked {
  return candidate.format === 'bundle' ? checkBundle(candidate.bundle, digest, keys) : checkSimpleSigning(candidate.payload, candidate.signature, digest, keys)
}
