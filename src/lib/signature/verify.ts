// A policy's verdict on one image digest: every requirement of the scope that applies must hold.
// `reject` and anything dkr cannot check refuse; `sigstoreSigned` needs one cosign signature (either
// format) by an accepted key, for this digest, whose identity the rule accepts. The refusal names the
// furthest any signature got, so "signed by another key" and "signed for another image" read differently.
import {referenceString} from '../reference/format.js'
import type {ImageReference} from '../reference/parse.js'
import type {RegistryClient} from '../registry/client.js'
import {checkCandidate, findSignatures, type Checked, type Found, type SignatureFormat} from './cosign.js'
import {describeRule, identityMatches} from './identity.js'
import type {KeyKind} from './keys.js'
import type {IdentityRule, Requirement, SignaturePolicy} from './policy.js'

export interface VerifiedSignature {
  format: SignatureFormat
  /** The key's file (keyPath/keyPaths) or `keyData`. */
  key: string
  keyType: KeyKind
  /** The docker-reference the signature claims (legacy format; bundles name no repository). */
  identity?: string
}

/** What --json says about one image: whether and how its signatures were checked. */
export interface SignatureVerdict {
  reference: string
  digest?: string
  /** True when at least one sigstoreSigned requirement held (and every other one did). */
  verified: boolean
  policy: string
  scope: string
  /** Set when the scope accepted the image without checking anything. */
  accepted?: 'insecureAcceptAnything'
  signatures: VerifiedSignature[]
}

/** The policy refused an image: `reason` completes "not pulled: …". */
export class SignatureRefusal extends Error {
  constructor(readonly reason: string) {
    super(reason)
    this.name = 'SignatureRefusal'
  }
}

const stageOrder: Checked['stage'][] = ['unsigned', 'other-subject', 'signed']

/** Whether `rule` accepts a fully checked signature for `intended`, or why not. */
function identityProblem(rule: IdentityRule, intended: ImageReference, checked: Extract<Checked, {stage: 'signed'}>): string | undefined {
  if (checked.identity === undefined) {
    // A bundle binds only the digest: rules that name another repository cannot be met by it.
    return rule.type === 'matchRepository' || rule.type === 'matchRepoDigestOrExact' ? undefined : `a bundle, which names no repository, so signedIdentity ${describeRule(rule)} cannot hold`
  }

  if (identityMatches(rule, intended, checked.identity)) return undefined
  return `a signature for ${checked.identity}, which signedIdentity ${describeRule(rule)} does not accept for ${referenceString(intended)}`
}

function checkSigstore(requirement: Extract<Requirement, {type: 'sigstoreSigned'}>, intended: ImageReference, digest: string, found: Found): VerifiedSignature {
  let furthest: {rank: number; reason: string} | undefined
  const note = (rank: number, reason: string) => {
    if (!furthest || rank > furthest.rank) furthest = {rank, reason}
  }

  for (const candidate of found.candidates) {
    const checked = checkCandidate(candidate, digest, requirement.keys)
    if (checked.stage !== 'signed') {
      note(stageOrder.indexOf(checked.stage), checked.reason)
      continue
    }

    const problem = identityProblem(requirement.signedIdentity, intended, checked)
    if (problem) {
      note(stageOrder.length, problem)
      continue
    }

    return {format: checked.format, identity: checked.identity, key: checked.key.label, keyType: checked.key.kind}
  }

  if (furthest) throw new SignatureRefusal(`no acceptable signature: found ${furthest.reason}`)
  if (found.damaged.length > 0) throw new SignatureRefusal(`damaged signature: ${found.damaged[0]}`)
  throw new SignatureRefusal('no cosign signature found')
}

export interface VerifyInput {
  policy: SignaturePolicy
  /** The image as asked for (its tag or digest): what scopes and identities are matched against. */
  intended: ImageReference
  /** The manifest digest the name resolved to, which the engine will pull; read lazily. */
  digest: () => Promise<string>
  client: RegistryClient
}

/** The policy's verdict on `intended`; throws SignatureRefusal when it does not hold. */
export async function verifyImage(input: VerifyInput): Promise<SignatureVerdict> {
  const {policy, intended} = input
  const {requirements, scope} = policy.requirementsFor(intended)
  const verdict: SignatureVerdict = {policy: policy.path, reference: referenceString(intended), scope, signatures: [], verified: false}
  for (const requirement of requirements) {
    if (requirement.type === 'reject') throw new SignatureRefusal(`the policy rejects images in scope ${scope}`)
    if (requirement.type === 'unsupported') throw new SignatureRefusal(`the policy requires ${requirement.what}, which dkr cannot check`)
  }

  const signed = requirements.filter((r) => r.type === 'sigstoreSigned')
  if (signed.length === 0) return {...verdict, accepted: 'insecureAcceptAnything'}
  const digest = await input.digest()
  const found = await findSignatures(input.client, intended.path, digest)
  for (const requirement of signed) verdict.signatures.push(checkSigstore(requirement, intended, digest, found))
  return {...verdict, digest, verified: true}
}
