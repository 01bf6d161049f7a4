// Step 4 with a signature policy: for a name whose scope needs signatures, resolve the tag (every tag
// with -a) to the manifest digest through the registry — the digest the engine would pull, an index's
// for a multi-platform image — and verify it; the flow then pulls by that digest and tags it. A digest
// reference is verified as it is and pulled as it is. A scope that accepts anything is pulled as today.
import type {Cli} from '../cli/context.js'
import {DkrError} from '../errors.js'
import {resolveAuthConfigOrNone} from '../credentials/auth-config.js'
import type {LoadedConfig} from '../credentials/config-file.js'
import type {PinnedTag} from './pinned-pull.js'
import {familiarName, familiarString} from '../reference/format.js'
import type {ImageReference} from '../reference/parse.js'
import {RegistryClient, RegistryError} from '../registry/client.js'
import type {RepositoryInfo} from '../registry/repository-info.js'
import type {SignaturePolicy} from '../signature/policy.js'
import {SignatureRefusal, verifyImage, type SignatureVerdict} from '../signature/verify.js'

/** What step 4 hands the pull: digests to pull and tag, or nothing (pull the name as it is). */
export interface VerifiedPulls {
  pulls?: PinnedTag[]
  /** With -a: the refused tags' lines; the name fails once the accepted ones are pulled. */
  refused?: string[]
  verification: SignatureVerdict[]
}

/** Tags cosign and its kin store their artifacts under (`sha256-<hex>`, `.sig`, `.att`, `.sbom`): not images to pull. */
const artifactTag = /^sha256-[0-9a-f]{64}(\.[a-z]+)?$/

/** Where Docker Hub's registry API lives; other registries are their own host. */
function registryHost(info: RepositoryInfo): string {
  return info.official ? 'registry-1.docker.io' : info.indexName
}

function refusal(ref: ImageReference, policy: SignaturePolicy, reason: string): string {
  return `${familiarString(ref)}: not pulled: ${reason} (signature policy ${policy.path})`
}

export interface SignedPullInput {
  policy: SignaturePolicy
  ref: ImageReference
  info: RepositoryInfo
  all: boolean
  config: LoadedConfig
}

/** Verifies one name (or each of its tags with -a) before anything is pulled. Throws a DkrError line on refusal. */
export async function verifiedPulls(cli: Cli, input: SignedPullInput): Promise<VerifiedPulls> {
  const {policy, ref, info} = input
  const auth = await resolveAuthConfigOrNone(input.config.config, info.authKey, {debug: (line) => cli.debug(line), env: cli.streams.env, signal: cli.signal})
  const client = new RegistryClient({auth, host: registryHost(info), insecure: info.insecure, signal: cli.signal})
  const check = async (intended: ImageReference): Promise<SignatureVerdict> => {
    try {
      return await verifyImage({client, digest: async () => (await client.resolve(intended.path, intended.digest ?? intended.tag!)).digest, intended, policy})
    } catch (error) {
      if (error instanceof SignatureRefusal) throw new DkrError(refusal(intended, policy, error.reason))
      if (error instanceof RegistryError) throw new DkrError(refusal(intended, policy, `cannot read signatures: ${error.message}`))
      throw error
    }
  }

  if (!input.all) {
    const verdict = await check(ref)
    if (verdict.accepted || ref.digest !== undefined) return {verification: [verdict]}
    return {pulls: [{digest: verdict.digest!, tag: ref.tag!}], verification: [verdict]}
  }

  let tags: string[]
  try {
    tags = (await client.tags(ref.path)).filter((tag) => !artifactTag.test(tag))
  } catch (error) {
    if (error instanceof RegistryError) throw new DkrError(refusal(ref, policy, `cannot list tags: ${error.message}`))
    throw error
  }

  if (tags.length === 0) throw new DkrError(`${familiarName(ref)}: no tags to pull`)
  const verification: SignatureVerdict[] = []
  const verified: string[] = []
  const refused: string[] = []
  for (const tag of tags.sort()) {
    try {
      verification.push(await check({...ref, tag}))
      verified.push(tag)
    } catch (error) {
      if (!(error instanceof DkrError)) throw error
      refused.push(error.message)
    }
  }

  // Every tag accepted without checks: the engine pulls them all, as without a policy.
  if (refused.length === 0 && verification.every((v) => v.accepted)) return {verification}
  const pulls: PinnedTag[] = []
  for (const [i, tag] of verified.entries()) pulls.push({digest: verification[i].digest ?? (await client.resolve(ref.path, tag)).digest, tag})
  return {pulls, refused, verification}
}
