// What a Notary Project signature envelope says once its format (JWS or COSE) is decoded and its
// signature checked, and the rules both formats share (signature-specification.md, "Signed Attributes"):
// the signing scheme, the times, the critical headers (any this verifier does not process fails it),
// the payload content type, and the code-signing chain whose leaf key fixes the signature algorithm.
import {constants, verify} from 'node:crypto'
import {shownJson} from '../io/json.js'
import {codeSigningChainProblem, isSignatureAlgorithm, parseCertificate, signatureAlgorithmFor, type Certificate, type SignatureAlgorithm} from './certificate.js'

const payloadContentType = 'application/vnd.cncf.notary.payload.v1+json'
const maxChainLength = 32

export type SigningScheme = 'notary.x509' | 'notary.x509.signingAuthority'

export interface EnvelopeContent {
  payload: Buffer
  signingScheme: SigningScheme
  /** The signing time (notary.x509, unauthenticated) or the authentic signing time (signingAuthority). */
  signingTime: Date
  expiry?: Date
  algorithm: SignatureAlgorithm
  /** Leaf first. */
  chain: Certificate[]
  /** Whether a timestamp countersignature is attached (dkr cannot verify one). */
  timestamped: boolean
}

/** The envelope is malformed or its signature does not hold: an integrity failure. */
export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'EnvelopeError'
  }
}

const pluginHeaders = ['io.cncf.notary.verificationPlugin', 'io.cncf.notary.verificationPluginMinVersion']

/** The signed attributes both envelope formats carry, as decoded from their protected headers. */
export interface SignedAttributes {
  algorithm: SignatureAlgorithm | string
  contentType: unknown
  critical: string[]
  signingScheme: unknown
  signingTime?: Date
  authenticSigningTime?: Date
  expiry?: Date
  /** Names of the protected headers beyond the ones the Notary Project defines. */
  extended: string[]
}

/**
 * Checks the signed attributes and the chain and returns the envelope's content; throws EnvelopeError.
 * The primitive `signature` over `signingInput` is checked with the leaf's key and the header's algorithm.
 */
export function envelopeContent(attributes: SignedAttributes, signed: {chainDer: Buffer[]; payload: Buffer; signature: Buffer; signingInput: Buffer; timestamped: boolean}): EnvelopeContent {
  const {chainDer, payload, timestamped} = signed
  const fail = (message: string): never => {
    throw new EnvelopeError(message)
  }

  if (chainDer.length === 0) fail('certificate chain is not present')
  // Real chains hold 2 to 4 certificates; each parsed one holds native memory (10,000 took 240 MiB).
  if (chainDer.length > maxChainLength) fail(`certificate chain has ${chainDer.length} certificates, more than ${maxChainLength}`)
  let chain: Certificate[] = []
  try {
    chain = chainDer.map(parseCertificate)
  } catch {
    fail('malformed certificate in the certificate chain')
  }

  if (!isSignatureAlgorithm(attributes.algorithm)) return fail(`unsupported signature algorithm "${attributes.algorithm}"`)
  const leafAlgorithm = signatureAlgorithmFor(chain[0])
  if (leafAlgorithm !== attributes.algorithm) fail(isSignatureAlgorithm(leafAlgorithm) ? `signature algorithm ${attributes.algorithm} does not match the signing certificate's key (${leafAlgorithm})` : leafAlgorithm)
  if (!verifyPrimitive(chain[0], attributes.algorithm, signed.signingInput, signed.signature)) fail('the signature does not verify with the signing certificate\'s key')
  const scheme = attributes.signingScheme
  if (scheme !== 'notary.x509' && scheme !== 'notary.x509.signingAuthority') return fail(`unsupported signing scheme ${shownJson(scheme)}`)
  const required = new Set(['io.cncf.notary.signingScheme'])
  if (attributes.expiry) required.add('io.cncf.notary.expiry')
  if (scheme === 'notary.x509.signingAuthority') required.add('io.cncf.notary.authenticSigningTime')
  for (const header of attributes.critical) {
    if (required.delete(header)) continue
    if (pluginHeaders.includes(header)) fail(`the signature requires the verification plugin named in ${header}, which dkr does not run`)
    fail(attributes.extended.includes(header) ? `unsupported critical header "${header}"` : `header "${header}" is marked critical but not present`)
  }

  if (required.size > 0) fail(`required headers are not marked critical: ${[...required].join(', ')}`)
  const plugin = attributes.extended.find((header) => pluginHeaders.includes(header))
  if (plugin) fail(`the signature names a verification plugin (${plugin}), which dkr does not run`)
  const signingTime = scheme === 'notary.x509' ? attributes.signingTime : attributes.authenticSigningTime
  if (scheme === 'notary.x509' && attributes.authenticSigningTime) fail('io.cncf.notary.authenticSigningTime must not be present for the notary.x509 signing scheme')
  if (scheme === 'notary.x509.signingAuthority' && attributes.signingTime) fail('io.cncf.notary.signingTime must not be present for the notary.x509.signingAuthority signing scheme')
  if (!signingTime) return fail('signing time is not present')
  if (attributes.expiry && attributes.expiry <= signingTime) fail('expiry is not after the signing time')
  const chainProblem = codeSigningChainProblem(chain)
  if (chainProblem) fail(`certificate chain is invalid: ${chainProblem}`)
  if (attributes.contentType !== payloadContentType) fail(`unsupported payload content type ${shownJson(attributes.contentType)}`)
  return {algorithm: attributes.algorithm, chain, expiry: attributes.expiry, payload, signingScheme: scheme, signingTime, timestamped}
}

// Hash and, for ECDSA, the size of r and s (signatures are r‖s in both JWS and COSE).
const parameters: Record<SignatureAlgorithm, {hash: string; bytes: number}> = {
  ES256: {bytes: 32, hash: 'sha256'},
  ES384: {bytes: 48, hash: 'sha384'},
  ES512: {bytes: 66, hash: 'sha512'},
  PS256: {bytes: 32, hash: 'sha256'},
  PS384: {bytes: 48, hash: 'sha384'},
  PS512: {bytes: 64, hash: 'sha512'},
}

function verifyPrimitive(leaf: Certificate, algorithm: SignatureAlgorithm, message: Buffer, signature: Buffer): boolean {
  const {bytes, hash} = parameters[algorithm]
  const key = leaf.x509.publicKey
  try {
    if (algorithm.startsWith('ES')) return signature.length === 2 * bytes && verify(hash, message, {dsaEncoding: 'ieee-p1363', key}, signature)
    return verify(hash, message, {key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: bytes}, signature)
  } catch {
    return false
  }
}
