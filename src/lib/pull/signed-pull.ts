// Step 4 with signature checks (a containers-policy.json, notation's trust policy, or both): for a name
// whose checks need signatures, resolve the tag (every tag with -a) to the manifest digest through the
// registry — once, the digest the engine would pull, an index's for a multi-platform image — and verify
// it with every check; all of them must hold. The flow then pulls by that digest and tags it. A digest
// reference is verified as it is and pulled as it is. Checks that accept anything pull the name as today.
import type {Cli} from '../cli/context.js'
import {DkrError, isCancelled} from '../errors.js'
import {tookCodePath} from '../io/code-paths.js'
import type {AuthLookup} from '../cli/auth-lookup.js'
import {loadNotationConfig} from '../notation/config.js'
import type {ImageCheck, ImageVerification} from './image-check.js'
import {notationCheck} from './notation-pull.js'
import type {PinnedTag} from './pinned-pull.js'
import {familiarName, familiarString} from '../reference/format.js'
import type {ImageReference} from '../reference/parse.js'
import {RegistryClient, RegistryError, type Manifest} from '../registry/client.js'
import {registryHost, type RepositoryInfo} from '../registry/repository-info.js'
import {cosignFlagsGiven, cosignRequirement, trustFromFile, verifyWithFlags, type CosignFlags, type CosignRequirement} from '../signature/cosign-flags.js'
import {loadPolicy, type SignaturePolicy} from '../signature/policy.js'
import type {TrustRoots} from '../signature/sigstore.js'
import {SignatureRefusal, verifyImage} from '../signature/verify.js'

/** What step 4 hands the pull: digests to pull and tag, or nothing (pull the name as it is). */
export interface VerifiedPulls {
  pins?: PinnedTag[]
  /** With -a: the refused tags' lines; the name fails once the accepted ones are pulled. */
  refused?: string[]
  verification: ImageVerification[]
}

/** A containers-policy.json's check (cosign signatures); Fulcio certificates' SCTs are checked against `ctlogs`. */
export function cosignCheck(policy: SignaturePolicy, ctlogs?: TrustRoots['ctlogs']): ImageCheck {
  tookCodePath('cosign')
  return {
    source: `signature policy ${policy.path}`,
    async verify({client, intended, manifest}) {
      const verdict = await verifyImage({client, ctlogs, digest: async () => (await manifest()).digest, intended, policy})
      return {pinned: !verdict.accepted, verdict}
    },
  }
}

/** cosign's flags' check: a signature `cosign verify` would accept with the same flags. */
export function cosignFlagsCheck(requirement: CosignRequirement): ImageCheck {
  tookCodePath('cosign')
  return {
    refusal: (reason) => `cosign: ${reason}`,
    source: 'cosign',
    async verify({client, intended, manifest}) {
      return {pinned: true, verdict: await verifyWithFlags({client, digest: (await manifest()).digest, intended, requirement})}
    },
  }
}

/** The checks the pull options ask for: a signature policy's, cosign's flags', notation's; all must hold. Bad files and flags fail here, before anything is pulled. */
export async function signatureChecks(cli: Cli, options: {signaturePolicy?: string; notationConfig?: string; cosign?: CosignFlags}): Promise<ImageCheck[]> {
  const checks: ImageCheck[] = []
  const {cosign = {}} = options
  if (options.signaturePolicy !== undefined) {
    const policy = await loadPolicy(options.signaturePolicy)
    checks.push(cosignCheck(policy, cosign.trustedRoot === undefined ? undefined : (await trustFromFile(cosign.trustedRoot)).ctlogs))
  }

  if (cosignFlagsGiven(cosign)) checks.push(cosignFlagsCheck(await cosignRequirement(cosign, cli.streams.env)))
  if (options.notationConfig !== undefined) checks.push(notationCheck(cli, loadNotationConfig(options.notationConfig)))
  return checks
}

/** What a terminal shows for each verified image: who signed it, and what log entry dated it. */
export function signerLines(verification: readonly ImageVerification[]): string[] {
  const lines: string[] = []
  for (const verdict of verification) {
    if ('check' in verdict && verdict.check === 'notation') {
      if (verdict.signer) lines.push(`${verdict.reference}: signed by ${verdict.signer} (notation)`)
      continue
    }

    for (const signature of verdict.signatures) {
      const who = signature.signer ? `${signature.signer.san} (${signature.signer.issuer})` : `key ${signature.key}`
      const logged = signature.logEntry?.integratedTime ? `, logged ${signature.logEntry.integratedTime}` : ''
      const timestamped = signature.timestamp && !logged ? `, timestamped ${signature.timestamp}` : ''
      lines.push(`${verdict.reference}: signed by ${who}${logged}${timestamped}`)
    }
  }

  return lines
}

/** Tags cosign and its kin store their artifacts under (`sha256-<hex>`, `.sig`, `.att`, `.sbom`): not images to pull. */
const artifactTag = /^sha256-[0-9a-f]{64}(\.[a-z]+)?$/

function refusal(ref: ImageReference, source: string, reason: string, wording?: (reason: string) => string): string {
  return `${familiarString(ref)}: not pulled: ${wording ? wording(reason) : `${reason}${source === '' ? '' : ` (${source})`}`}`
}

export interface SignedPullInput {
  checks: ImageCheck[]
  /** Pin every image to its digest, whatever the checks say (several engines must pull the same bits). */
  pin?: boolean
  ref: ImageReference
  info: RepositoryInfo
  all: boolean
  auth: AuthLookup
}

/** Verifies (and with `pin`, resolves) one name, or each of its tags with -a, before anything is pulled. Throws a DkrError line on refusal. */
export async function verifiedPulls(cli: Cli, input: SignedPullInput): Promise<VerifiedPulls> {
  const {checks, ref, info} = input
  const client = new RegistryClient({auth: await input.auth(info.authKey), host: registryHost(info), insecure: info.insecure, signal: cli.signal})
  /** Every check on one image; the digest to pin it to, when any check needs that. */
  const check = async (intended: ImageReference): Promise<{digest?: string; verification: ImageVerification[]}> => {
    let resolved: Promise<Manifest> | undefined
    const manifest = () => (resolved ??= client.resolve(intended.path, intended.digest ?? intended.tag!))
    const verification: ImageVerification[] = []
    let pinned = false
    for (const one of checks) {
      try {
        const result = await one.verify({client, intended, manifest})
        verification.push(result.verdict)
        pinned ||= result.pinned
      } catch (error) {
        if (error instanceof SignatureRefusal) throw new DkrError(refusal(intended, one.source, error.reason, one.refusal))
        if (error instanceof RegistryError) throw new DkrError(refusal(intended, one.source, `cannot read signatures: ${error.message}`, one.refusal))
        throw error
      }
    }

    if (!pinned && !input.pin) return {verification}
    try {
      return {digest: (await manifest()).digest, verification}
    } catch (error) {
      if (isCancelled(error) || cli.signal.aborted) throw error
      throw new DkrError(`${familiarString(intended)}: not pulled: cannot resolve it through the registry: ${(error as Error).message}`)
    }
  }

  if (!input.all) {
    const {digest, verification} = await check(ref)
    if (digest === undefined || ref.digest !== undefined) return {verification}
    return {pins: [{digest, tag: ref.tag!}], verification}
  }

  let tags: string[]
  try {
    tags = (await client.tags(ref.path)).filter((tag) => !artifactTag.test(tag))
  } catch (error) {
    if (error instanceof RegistryError) throw new DkrError(refusal(ref, checks.map((one) => one.source).join(', '), `cannot list tags: ${error.message}`))
    throw error
  }

  if (tags.length === 0) throw new DkrError(`${familiarName(ref)}: no tags to pull`)
  const verification: ImageVerification[] = []
  const verified: {tag: string; digest?: string}[] = []
  const refused: string[] = []
  for (const tag of tags.sort()) {
    try {
      const checked = await check({...ref, tag})
      verification.push(...checked.verification)
      verified.push({digest: checked.digest, tag})
    } catch (error) {
      if (!(error instanceof DkrError)) throw error
      refused.push(error.message)
    }
  }

  // Every tag accepted without checks: the engine pulls them all, as without a policy.
  if (refused.length === 0 && verified.every((v) => v.digest === undefined)) return {verification}
  const pins: PinnedTag[] = []
  for (const {digest, tag} of verified) pins.push({digest: digest ?? (await client.resolve(ref.path, tag)).digest, tag})
  return {pins, refused, verification}
}
