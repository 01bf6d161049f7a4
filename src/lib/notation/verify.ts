// Verifying an artifact's Notary Project signatures against notation's trust policy and trust store,
// step by step as trust-store-trust-policy.md ("Signature Verification") lays them out: the applicable
// statement; skip; then per signature integrity (always enforced), authenticity (trust store, then
// trusted identities), expiry, authentic timestamp (certificate validity), revocation, each enforced or
// logged as the statement's level says; and the payload's target descriptor equal to the artifact's.
// The first signature that passes verifies the artifact. Nothing here touches the network.
import {EnvelopeError, type EnvelopeContent} from './envelope.js'
import {maxJsonDepth, nestsDeeperThan, shownJson} from '../io/json.js'
import {isSubsetOf} from './distinguished-name.js'
import {verifyJws, jwsMediaType} from './jws.js'
import {coseMediaType, verifyCose} from './cose.js'
import {applicablePolicy, type LevelName, type TrustPolicyStatement, type ValidationType} from './trust-policy.js'
import type {NotationConfig} from './config.js'
import type {Certificate} from './certificate.js'

export interface TargetDescriptor {
  mediaType: string
  digest: string
  size: number
}

export interface NotarySignature {
  /** The signature manifest's digest, to name it in messages. */
  digest: string
  /** The envelope layer's media type: application/jose+json or application/cose. */
  envelopeMediaType: string
  /** The envelope blob, already checked against its layer digest. */
  envelope: Buffer
  /** Why the signature manifest could not be used (then there is no envelope). */
  problem?: string
}

export interface NotationVerifyInput {
  /** Fully qualified repository, as trust policy scopes name it: `registry.example/team/app`. */
  repository: string
  /** The manifest (or index) the tag resolved to, as the registry served it. */
  target: TargetDescriptor
  signatures: NotarySignature[]
  config: NotationConfig
  now?: Date
}

export type NotationVerdict =
  | {outcome: 'verified'; policy: string; level: LevelName; signer: string; signature: string; warnings: string[]}
  | {outcome: 'skipped'; policy: string; level: 'skip'; warnings: string[]}
  | {outcome: 'refused'; policy?: string; level?: LevelName; reason: string; warnings: string[]}

type Failure = {ok: false; reason: string; warnings: string[]}
type SignatureResult = {ok: true; signer: string; warnings: string[]} | Failure

const envelopeParsers: Record<string, (bytes: Buffer) => EnvelopeContent> = {[coseMediaType]: verifyCose, [jwsMediaType]: verifyJws}

/** Verifies `target` in `repository` with its Notary signatures; never throws for bad signatures. */
export function verifyNotation(input: NotationVerifyInput): NotationVerdict {
  const {config, repository} = input
  const statement = applicablePolicy(config.policy, repository)
  if (!statement) return {outcome: 'refused', reason: `no notation trust policy statement applies to ${repository} (see registryScopes in ${config.policy.file})`, warnings: []}
  const level = statement.level.name
  if (level === 'skip') return {level, outcome: 'skipped', policy: statement.name, warnings: []}
  if (input.signatures.length === 0) return {level, outcome: 'refused', policy: statement.name, reason: 'no Notary signature is associated with the image', warnings: []}
  const failures: Failure[] = []
  const now = input.now ?? new Date()
  for (const signature of input.signatures) {
    const result = verifySignature(signature, statement, input.target, config, now)
    if (result.ok) return {level, outcome: 'verified', policy: statement.name, signature: signature.digest, signer: result.signer, warnings: result.warnings}
    failures.push(result)
  }

  const reasons = [...new Set(failures.map((failure) => failure.reason))]
  return {level, outcome: 'refused', policy: statement.name, reason: reasons.join('; '), warnings: failures.flatMap((failure) => failure.warnings)}
}

class Refusal extends Error {}

function verifySignature(signature: NotarySignature, statement: TrustPolicyStatement, target: TargetDescriptor, config: NotationConfig, now: Date): SignatureResult {
  const warnings: string[] = []
  // A failed validation refuses the signature, is logged, or (revocation only) is not looked at.
  const check = (type: ValidationType, problem: string | undefined): void => {
    if (problem === undefined) return
    const action = statement.level.actions[type]
    if (action === 'enforce') throw new Refusal(`${type} validation failed: ${problem}`)
    if (action === 'log') warnings.push(`${type} validation failed with validation action set to "logged": ${problem}`)
  }

  try {
    if (signature.problem) throw new Refusal(signature.problem)
    const parse = envelopeParsers[signature.envelopeMediaType]
    if (!parse) throw new Refusal(`unsupported signature envelope type ${JSON.stringify(signature.envelopeMediaType)}`)
    let content: EnvelopeContent
    try {
      content = parse(signature.envelope)
    } catch (error) {
      if (error instanceof EnvelopeError) throw new Refusal(`integrity validation failed: ${error.message}`)
      throw error
    }

    const leaf = content.chain[0]
    check('authenticity', trustStoreProblem(content, statement, config))
    check('authenticity', identityProblem(leaf, statement))
    if (content.expiry && now >= content.expiry) check('expiry', `the signature expired on ${content.expiry.toISOString()}`)
    check('authenticTimestamp', timestampProblem(content, statement, now))
    const revocable = content.chain.find((certificate) => certificate.revocable)
    check('revocation', revocable && `the revocation status of certificate "${revocable.subjectText}" cannot be checked: dkr does not fetch CRLs or OCSP responses`)

    const problem = payloadProblem(content.payload, target)
    if (problem) throw new Refusal(problem)
    return {ok: true, signer: leaf.subjectText, warnings}
  } catch (error) {
    if (error instanceof Refusal) return {ok: false, reason: `signature ${signature.digest}: ${error.message}`, warnings}
    throw error
  }
}

function trustStoreProblem(content: EnvelopeContent, statement: TrustPolicyStatement, config: NotationConfig): string | undefined {
  const type = content.signingScheme === 'notary.x509' ? 'ca' : 'signingAuthority'
  const stores = statement.trustStores.filter((store) => store.type === type)
  if (stores.length === 0) return `the trust policy names no trust store of type ${type} for the ${content.signingScheme} signing scheme`
  const trusted: Certificate[] = []
  for (const store of stores) {
    try {
      trusted.push(...config.trustStore(store))
    } catch (error) {
      return (error as Error).message
    }
  }

  const anchored = content.chain.some((certificate) => trusted.some((anchor) => anchor.der.equals(certificate.der)))
  return anchored ? undefined : `the signing certificate chain does not lead to a certificate in ${stores.map((store) => `${store.type}:${store.name}`).join(', ')}`
}

function identityProblem(leaf: Certificate, statement: TrustPolicyStatement): string | undefined {
  if (statement.trustedIdentities === '*') return undefined
  if (typeof leaf.subject === 'string') return leaf.subject
  const subject = leaf.subject
  if (statement.trustedIdentities.some((identity) => isSubsetOf(identity, subject))) return undefined
  return `the signing certificate's subject "${leaf.subjectText}" matches no trusted identity of trust policy statement "${statement.name}"`
}

function timestampProblem(content: EnvelopeContent, statement: TrustPolicyStatement, now: Date): string | undefined {
  const outside = (time: Date) => content.chain.find((certificate) => time < certificate.notBefore || time > certificate.notAfter)
  if (content.signingScheme === 'notary.x509.signingAuthority') {
    const invalid = outside(content.signingTime)
    return invalid && `certificate "${invalid.subjectText}" was not valid at the authentic signing time ${content.signingTime.toISOString()}`
  }

  const hasTsa = statement.trustStores.some((store) => store.type === 'tsa')
  const expired = content.chain.some((certificate) => now > certificate.notAfter)
  if (hasTsa && (statement.verifyTimestamp === 'always' || expired)) {
    return content.timestamped ? 'dkr cannot verify RFC 3161 timestamp countersignatures' : 'no timestamp countersignature was found in the signature envelope'
  }

  const invalidNow = outside(now)
  if (invalidNow) return `certificate "${invalidNow.subjectText}" is not valid now: valid from ${invalidNow.notBefore.toISOString()} to ${invalidNow.notAfter.toISOString()}`
  const invalidAtSigning = outside(content.signingTime)
  return invalidAtSigning && `certificate "${invalidAtSigning.subjectText}" was not valid at the signing time ${content.signingTime.toISOString()}`
}

/** A signed field in a refusal: as it is when a string or number, else shownJson's safe form. */
const shown = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : shownJson(value))

function payloadProblem(payload: Buffer, target: TargetDescriptor): string | undefined {
  let parsed: unknown
  const text = payload.toString('utf8')
  if (nestsDeeperThan(text)) return `the signature payload is nested more than ${maxJsonDepth} deep`
  try {
    parsed = JSON.parse(text)
  } catch {
    return 'the signature payload is not JSON'
  }

  const artifact = (parsed as {targetArtifact?: Partial<TargetDescriptor>} | null)?.targetArtifact
  if (!artifact || typeof artifact !== 'object') return 'the signature payload has no targetArtifact'
  if (artifact.digest !== target.digest) return `the signature is for another artifact (${shown(artifact.digest)}), not ${target.digest}`
  if (artifact.mediaType !== target.mediaType || artifact.size !== target.size) return `the signed descriptor (${shown(artifact.mediaType)}, ${shown(artifact.size)} bytes) does not match the manifest (${target.mediaType}, ${target.size} bytes)`
  return undefined
}
