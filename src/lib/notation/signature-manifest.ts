// Which referrers are Notary Project signatures, and which blob holds the envelope
// (signature-specification.md, "OCI Signatures"): an image manifest whose artifactType, or for
// registries without OCI 1.1 whose config.mediaType, is application/vnd.cncf.notary.signature; exactly
// one layer, the envelope; and a subject naming the signed manifest.
import type {TargetDescriptor} from './verify.js'

export const notarySignatureArtifactType = 'application/vnd.cncf.notary.signature'

export type SignatureManifestReading = {kind: 'not-notary'} | {kind: 'envelope'; layer: TargetDescriptor} | {kind: 'invalid'; problem: string}

/** Reads a referrer's manifest (parsed JSON) found for `subjectDigest`. */
export function readSignatureManifest(manifest: unknown, subjectDigest: string): SignatureManifestReading {
  const fields = (typeof manifest === 'object' && manifest !== null ? manifest : {}) as {artifactType?: unknown; config?: {mediaType?: unknown}; layers?: unknown; subject?: {digest?: unknown}}
  if (fields.artifactType !== notarySignatureArtifactType && fields.config?.mediaType !== notarySignatureArtifactType) return {kind: 'not-notary'}
  if (fields.subject?.digest !== subjectDigest) return {kind: 'invalid', problem: `the signature manifest's subject is not ${subjectDigest}`}
  const layers = Array.isArray(fields.layers) ? fields.layers : []
  if (layers.length !== 1) return {kind: 'invalid', problem: `a signature manifest must have exactly one envelope layer, it has ${layers.length}`}
  const layer = layers[0] as Partial<TargetDescriptor>
  if (typeof layer.mediaType !== 'string' || typeof layer.digest !== 'string' || typeof layer.size !== 'number') return {kind: 'invalid', problem: 'the envelope layer descriptor is malformed'}
  return {kind: 'envelope', layer: {digest: layer.digest, mediaType: layer.mediaType, size: layer.size}}
}
