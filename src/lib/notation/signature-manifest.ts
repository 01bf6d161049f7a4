// Which referrers are Notary Project signatures, and which blob holds the envelope
// (signature-specification.md, "OCI Signatures"): an image manifest whose artifactType, or for
// registries without OCI 1.1 whose config.mediaType, is application/vnd.cncf.notary.signature; exactly
// one layer, the envelope; and a subject naming the signed manifest. collectNotarySignatures walks an
// artifact's referrers with whatever registry client the caller has, checking every digest itself.
import {matchesDigest} from '../registry/client.js'
import {isJsonObject, nestsDeeperThan} from '../io/json.js'
import type {NotarySignature, TargetDescriptor} from './verify.js'

export const notarySignatureArtifactType = 'application/vnd.cncf.notary.signature'

export type SignatureManifestReading = {kind: 'not-notary'} | {kind: 'envelope'; layer: TargetDescriptor} | {kind: 'invalid'; problem: string}

/** Reads a referrer's manifest (parsed JSON) found for `subjectDigest`. */
export function readSignatureManifest(manifest: unknown, subjectDigest: string): SignatureManifestReading {
  const fields = (isJsonObject(manifest) ? manifest : {}) as {artifactType?: unknown; config?: {mediaType?: unknown}; layers?: unknown; subject?: {digest?: unknown}}
  if (fields.artifactType !== notarySignatureArtifactType && fields.config?.mediaType !== notarySignatureArtifactType) return {kind: 'not-notary'}
  if (fields.subject?.digest !== subjectDigest) return {kind: 'invalid', problem: `the signature manifest's subject is not ${subjectDigest}`}
  const layers = Array.isArray(fields.layers) ? fields.layers : []
  if (layers.length !== 1) return {kind: 'invalid', problem: `a signature manifest must have exactly one envelope layer, it has ${layers.length}`}
  const layer = (isJsonObject(layers[0]) ? layers[0] : {}) as Partial<TargetDescriptor>
  if (typeof layer.mediaType !== 'string' || typeof layer.digest !== 'string' || typeof layer.size !== 'number') return {kind: 'invalid', problem: 'the envelope layer descriptor is malformed'}
  return {kind: 'envelope', layer: {digest: layer.digest, mediaType: layer.mediaType, size: layer.size}}
}

/** What collectNotarySignatures needs from a registry client, for one repository. */
export interface ReferrerSource {
  /** The referrers of `digest`: the referrers API's index, else the `sha256-<hex>` tag's; [] when neither exists. */
  referrers(digest: string): Promise<{digest: string; mediaType: string; size: number; artifactType?: string}[]>
  manifest(digest: string): Promise<Buffer>
  /** The blob `digest` of `size` bytes (the layer descriptor's). */
  blob(digest: string, size: number): Promise<Buffer>
}

// notation's limits on what it fetches for a signature, and on how many it tries (--max-signatures).
const maxManifestBytes = 4 * 1024 * 1024
const maxEnvelopeBytes = 32 * 1024 * 1024
const maxSignatures = 100
/** All envelopes are held until verified: past this many bytes in all, the rest are not read. */
const maxEnvelopeBytesInAll = 32 * 1024 * 1024

/** Fetches `bytes` for `digest` and checks them against it (sha256/sha512 only). */
async function fetchChecked(fetcher: (digest: string) => Promise<Buffer>, digest: string): Promise<Buffer | string> {
  const algorithm = digest.split(':')[0]
  if (algorithm !== 'sha256' && algorithm !== 'sha512') return `unsupported digest ${digest}`
  const bytes = await fetcher(digest)
  return matchesDigest(bytes, digest) ? bytes : `the registry served content that does not match ${digest}`
}

/**
 * The Notary signatures of `subjectDigest`, envelopes fetched and checked against their digests.
 * Referrers of another declared artifactType are not opened; a malformed signature manifest becomes a
 * signature carrying its problem, so that a refusal can say why it was not used.
 */
export async function collectNotarySignatures(source: ReferrerSource, subjectDigest: string): Promise<NotarySignature[]> {
  const signatures: NotarySignature[] = []
  const unusable = (digest: string, problem: string) => signatures.push({digest, envelope: Buffer.alloc(0), envelopeMediaType: '', problem})
  let envelopeBytes = 0
  for (const referrer of await source.referrers(subjectDigest)) {
    // The index is the registry's word: a descriptor of the wrong shape is nothing to open.
    if (!isJsonObject(referrer) || typeof referrer.digest !== 'string' || typeof referrer.size !== 'number') continue
    if (referrer.artifactType !== undefined && referrer.artifactType !== notarySignatureArtifactType) continue
    if (signatures.length === maxSignatures) {
      unusable(referrer.digest, `more than ${maxSignatures} signatures: the rest are not read`)
      break
    }

    if (referrer.size > maxManifestBytes) {
      unusable(referrer.digest, `the signature manifest is larger than ${maxManifestBytes} bytes`)
      continue
    }

    const manifest = await fetchChecked(source.manifest, referrer.digest)
    if (typeof manifest === 'string') {
      unusable(referrer.digest, manifest)
      continue
    }

    let reading: SignatureManifestReading
    const text = manifest.toString('utf8')
    try {
      if (nestsDeeperThan(text)) throw new Error('too deep')
      reading = readSignatureManifest(JSON.parse(text), subjectDigest)
    } catch {
      reading = {kind: 'invalid', problem: 'the signature manifest is not JSON'}
    }

    if (reading.kind === 'not-notary') continue
    if (reading.kind === 'invalid') unusable(referrer.digest, reading.problem)
    else if (reading.layer.size > maxEnvelopeBytes) unusable(referrer.digest, `the signature envelope is larger than ${maxEnvelopeBytes} bytes`)
    else if (envelopeBytes + reading.layer.size > maxEnvelopeBytesInAll) unusable(referrer.digest, `not read: the signatures before it hold ${maxEnvelopeBytesInAll} bytes`)
    else {
      envelopeBytes += reading.layer.size
      const {layer} = reading
      const envelope = await fetchChecked((digest) => source.blob(digest, layer.size), layer.digest)
      if (typeof envelope === 'string') unusable(referrer.digest, envelope)
      else signatures.push({digest: referrer.digest, envelope, envelopeMediaType: reading.layer.mediaType})
    }
  }

  return signatures
}
