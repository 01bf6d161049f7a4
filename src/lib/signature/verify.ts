// A policy's verdict on one image digest: every requirement of the scope that applies must hold.
// `reject` and anything dkr cannot check refuse; `sigstoreSigned` needs one cosign signature (either
// format) by an accepted key, or by a Fulcio certificate for the policy's email and issuer, for this
// digest, whose identity the rule accepts. With Rekor keys (always with fulcio) the signature must also
// carry a log entry signed by one of them, checked by the sigstore layer (sigstore.ts) as
// containers/image checks it. The refusal names the furthest any signature got, so "signed by another
// key" and "signed for another image" read differently.
import {createHash} from 'node:crypto'
import {referenceString} from '../reference/format.js'
import type {ImageReference} from '../reference/parse.js'
import type {RegistryClient} from '../registry/client.js'
import {checkPki} from './pki.js'
import {checkCandidate, findSignatures, type Candidate, type Found, type SignatureFormat} from './cosign.js'
import {describeRule, identityMatches} from './identity.js'
import type {KeyKind} from './keys.js'
import type {IdentityRule, Requirement, SignaturePolicy} from './policy.js'
import {verifySigstore, type SigstoreResult, type SigstoreRules, type SigstoreSigner, type TrustRoots} from './sigstore.js'

export interface VerifiedSignature {
  format: SignatureFormat
  /** Keyed: the key's file (keyPath/keyPaths) or `keyData`. */
  key?: string
  keyType?: KeyKind
  /** The docker-reference the signature claims (legacy format; bundles name no repository). */
  identity?: string
  /** Keyless: the certificate's SAN and OIDC issuer. */
  signer?: {san: string; issuer: string}
  /** The transparency log entry that dated the signature. */
  logEntry?: SigstoreSigner['logEntry']
  /** When the RFC 3161 timestamp that dated it says it was made. */
  timestamp?: string
}

/** The JSON form of a verified sigstore signature (keyed ones name their key, keyless their signer). */
export function describeSigner(signer: SigstoreSigner, keyType?: KeyKind): VerifiedSignature {
  return {
    format: signer.format,
    identity: signer.identity,
    key: signer.key,
    keyType: signer.key === undefined ? undefined : keyType,
    logEntry: signer.logEntry,
    signer: signer.san === undefined ? undefined : {issuer: signer.issuer ?? '', san: signer.san},
    timestamp: signer.timestamp,
  }
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

const stageRank: Record<string, number> = {'other-signer': 1, 'other-subject': 1, signed: 2, unsigned: 0}
const always = {end: new Date(8_640_000_000_000_000), start: new Date(0)}

/** A Fulcio or Rekor-key requirement as sigstore rules: the policy's CA and Rekor keys are the trust. */
function sigstoreRules(requirement: Extract<Requirement, {type: 'sigstoreSigned'}>, ctlogs: TrustRoots['ctlogs']): SigstoreRules | undefined {
  const {fulcio, rekorKeys} = requirement
  if (!fulcio && !rekorKeys) return undefined
  return {
    // containers/image takes the chain annotation's certificates but the last as untrusted intermediates.
    carriedIntermediates: true,
    identity: fulcio ? {emailOnly: true, issuer: {exact: fulcio.oidcIssuer}, san: {exact: fulcio.subjectEmail}} : undefined,
    keys: fulcio ? undefined : requirement.keys,
    // containers/image checks no SCTs; sigstore-js checks every SCT a certificate embeds, against the
    // trusted root's CT logs when dkr has one (an SCT it cannot check fails closed).
    requireSct: false,
    requireTlog: true,
    trust: {
      certificateAuthorities: fulcio ? [{certChain: fulcio.caCertificates, validFor: always}] : [],
      ctlogs,
      timestampAuthorities: [],
      // Known by key alone (baseURL ''): the sigstore layer accepts their checkpoints by the key.
      tlogs: (rekorKeys ?? []).map((key) => ({baseURL: '', logID: createHash('sha256').update(key.key.export({format: 'der', type: 'spki'})).digest(), publicKey: key.key, validFor: always})),
    },
  }
}

/** Whether `rule` accepts a fully checked signature for `intended`, or why not. */
function identityProblem(rule: IdentityRule, intended: ImageReference, checked: {identity?: string}): string | undefined {
  if (checked.identity === undefined) {
    // A bundle binds only the digest: rules that name another repository cannot be met by it.
    return rule.type === 'matchRepository' || rule.type === 'matchRepoDigestOrExact' ? undefined : `a bundle, which names no repository, so signedIdentity ${describeRule(rule)} cannot hold`
  }

  if (identityMatches(rule, intended, checked.identity)) return undefined
  return `a signature for ${checked.identity}, which signedIdentity ${describeRule(rule)} does not accept for ${referenceString(intended)}`
}

/** A candidate's outcome: accepted, or how far it got (higher is closer) and why not. */
export type Attempt<T> = {accepted: T} | {rank: number; reason: string}

/** The first signature `attempt` accepts; else a SignatureRefusal naming the closest miss. */
export function firstAccepted<T>(found: Found, attempt: (candidate: Candidate) => Attempt<T>): T {
  let furthest: {rank: number; reason: string} | undefined
  for (const candidate of found.candidates) {
    const outcome = attempt(candidate)
    if ('accepted' in outcome) return outcome.accepted
    if (!furthest || outcome.rank > furthest.rank) furthest = outcome
  }

  if (furthest) throw new SignatureRefusal(`no acceptable signature: found ${furthest.reason}`)
  if (found.damaged.length > 0) throw new SignatureRefusal(`damaged signature: ${found.damaged[0]}`)
  throw new SignatureRefusal('no cosign signature found')
}

/** A sigstore result as an attempt: its rank among the ways to fall short. */
export function sigstoreAttempt(result: SigstoreResult): Attempt<SigstoreSigner> {
  return result.stage === 'signed' ? {accepted: result.signer} : {rank: stageRank[result.stage], reason: result.reason}
}

/** Checks one sigstoreSigned requirement against the signatures found; throws SignatureRefusal. */
export function checkSigstore(requirement: Extract<Requirement, {type: 'sigstoreSigned'}>, intended: ImageReference, digest: string, found: Found, ctlogs: TrustRoots['ctlogs'] = []): VerifiedSignature {
  const rules = sigstoreRules(requirement, ctlogs)
  return firstAccepted(found, (candidate) => {
    let signed: {identity?: string; verified: VerifiedSignature}
    if (rules) {
      const attempt = sigstoreAttempt(verifySigstore(candidate, digest, rules))
      if (!('accepted' in attempt)) return attempt
      const keyType = requirement.keys.find((key) => key.label === attempt.accepted.key)?.kind
      signed = {identity: attempt.accepted.identity, verified: describeSigner(attempt.accepted, keyType)}
    } else {
      const checked = requirement.pki ? checkPki(candidate, digest, requirement.pki, new Date()) : checkCandidate(candidate, digest, requirement.keys)
      if (checked.stage !== 'signed') return {rank: stageRank[checked.stage], reason: checked.reason}
      signed = {identity: checked.identity, verified: {format: checked.format, identity: checked.identity, key: checked.key.label, keyType: checked.key.kind}}
    }

    const problem = identityProblem(requirement.signedIdentity, intended, signed)
    return problem ? {rank: 3, reason: problem} : {accepted: signed.verified}
  })
}

export interface VerifyInput {
  policy: SignaturePolicy
  /** The image as asked for (its tag or digest): what scopes and identities are matched against. */
  intended: ImageReference
  /** The manifest digest the name resolved to, which the engine will pull; read lazily. */
  digest: () => Promise<string>
  client: RegistryClient
  /** CT logs that SCTs in Fulcio certificates are checked against (a trusted root's). */
  ctlogs?: TrustRoots['ctlogs']
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
  for (const requirement of signed) verdict.signatures.push(checkSigstore(requirement, intended, digest, found, input.ctlogs))
  return {...verdict, digest, verified: true}
}
