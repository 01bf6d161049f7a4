// A pull, planned before any engine is asked: every name parsed (a bad one fails the command), the
// credentials looked up once per registry, the checks loaded (a bad policy fails the command), and each
// name turned into what every engine will pull: the verified or pinned digests, once, through dkr's
// registry client, whenever checks apply (a signature policy, notation, content trust) or several engines
// must end with the same bits. One engine with no checks keeps docker's plain pull: nothing is asked of
// the registry, the engine pulls the name. A name the plan cannot resolve or verify fails before any
// engine is asked for it. Each name's platforms are planned too: the one named (or the engine's own),
// a list (--platform a,b), or every platform of its index (--all-platforms, asked of the registry).
import type {AuthLookup} from '../cli/auth-lookup.js'
import {authLookup} from '../cli/auth-lookup.js'
import type {Cli, NamedEngine} from '../cli/context.js'
import {cancelledBy, DkrError, isCancelled} from '../errors.js'
import {tookCodePath} from '../io/code-paths.js'
import {defaultTag, fullName, isNameOnly, referenceString, withDefaultTag} from '../reference/format.js'
import {parseNormalizedNamed, type ImageReference} from '../reference/parse.js'
import {repositoryInfo, type RepositoryInfo} from '../registry/repository-info.js'
import type {ImageCheck, ImageVerification} from './image-check.js'
import {atDigest, type PinnedTag} from './pinned-pull.js'
import {allPlatformsOf, severalPlatforms} from './platforms.js'
import {signatureChecks, signerLines, verifiedPulls} from './signed-pull.js'
import type {CosignFlags} from '../signature/cosign-flags.js'
import {signedTargets} from './trusted-pull.js'

/** What the plan needs of the pull options. */
export interface PlanOptions {
  remotes: string[]
  all: boolean
  quiet: boolean
  json: boolean
  platform?: string
  /** Several platforms into the one image (--platform a,b), or every platform of the index (--all-platforms). */
  platforms?: string[]
  allPlatforms?: boolean
  /** Content trust: resolve tags through Notary (the preference, unless --disable-content-trust). */
  trusted: boolean
  /** A containers-policy.json file: signatures are verified before the engine pulls (wins over content trust). */
  signaturePolicy?: string
  /** A notation configuration directory: Notary Project signatures are verified by its trust policy too. */
  notationConfig?: string
  /** cosign's verification flags (--key, --certificate-identity…, --trusted-root): every image must be signed so. */
  cosign?: CosignFlags
}

export interface PlannedImage {
  ref: ImageReference
  info: RepositoryInfo
  /** What the pull prints when it ends: the normalised reference (bare name with --all-tags). */
  result: string
  /** `Using default tag: latest` is still to be said (by the display, on a plain pull). */
  defaultTagUsed: boolean
  /** The digests every engine pulls and then tags; absent: the engine pulls the name as it is. */
  pins?: PinnedTag[]
  /** The platforms each engine pulls, one pull each (undefined: the engine's own). */
  platforms: (string | undefined)[]
  /** With checks: how each image was verified, per check. */
  verification?: ImageVerification[]
  /** With -a: refused tags' lines; the image fails once the accepted ones are pulled. */
  refused?: string[]
  /** Why the plan could not resolve or verify this name: no engine is asked for it. */
  error?: Error
}

export interface PullPlan {
  images: PlannedImage[]
  engines: NamedEngine[]
  /** Images go through docker's trusted-pull steps (pull by digest, then tag): checks, content trust or a fleet. */
  pinned: boolean
  /** Each name is pulled at several platforms: an engine that keeps one platform per name refuses (platforms.ts). */
  severalPlatforms: boolean
  /** Credentials, looked up once per registry; sent to every engine as X-Registry-Auth. */
  auth: AuthLookup
}

/** What the engines pull for `image`: the pinned digest once there is exactly one (the index, with several platforms), else the name. */
export function pulledReference(image: Pick<PlannedImage, 'pins' | 'ref'>): ImageReference {
  return image.pins?.length === 1 ? atDigest(image.ref, image.pins[0].digest) : image.ref
}

/** Step 1 for every name before anything is pulled: a bad name fails the whole command up front. */
export function parseNames(options: Pick<PlanOptions, 'all' | 'platform' | 'platforms' | 'remotes'>): PlannedImage[] {
  return options.remotes.map((remote) => {
    const parsed = parseNormalizedNamed(remote)
    if (options.all && !isNameOnly(parsed)) throw new DkrError("tag can't be used with --all-tags/-a")
    const ref = options.all ? parsed : withDefaultTag(parsed)
    return {defaultTagUsed: !options.all && isNameOnly(parsed), info: repositoryInfo(ref), platforms: options.platforms ?? [options.platform], ref, result: options.all ? fullName(ref) : referenceString(ref)}
  })
}

/** How one name becomes digests: the checks', content trust's, or a plain resolution for a fleet. */
type Resolve = (image: PlannedImage) => Promise<Pick<PlannedImage, 'pins' | 'refused' | 'verification'>>

function resolver(cli: Cli, options: PlanOptions, auth: AuthLookup, checks: ImageCheck[], fleet: boolean): Resolve | undefined {
  if (checks.length > 0) return async ({info, ref}) => verifiedPulls(cli, {all: options.all, auth, checks, info, pin: fleet, ref})
  if (options.trusted) {
    tookCodePath('content trust')
    return async ({info, ref}) => (ref.digest === undefined ? {pins: await signedTargets(cli, ref, info, options.all, await auth(info.authKey))} : {})
  }

  // A digest is pinned already; a tag is resolved once, so a tag moved mid-rollout moves no engine.
  if (fleet) return async ({info, ref}) => (ref.digest === undefined ? verifiedPulls(cli, {all: options.all, auth, checks, info, pin: true, ref}) : {})
  return undefined
}

export async function planPull(cli: Cli, options: PlanOptions): Promise<PullPlan> {
  const images = parseNames(options)
  const engines = cli.engines()
  const config = await cli.loadConfig()
  if (config.warning) cli.streams.err.write(`${config.warning}\n`)
  const auth = authLookup(cli, config)
  const checks = await signatureChecks(cli, options)
  const several = severalPlatforms(options)
  const resolve = resolver(cli, options, auth, checks, engines.length > 1)
  if (resolve === undefined && !options.allPlatforms) return {auth, engines, images, pinned: false, severalPlatforms: several}
  const say = (line: string) => options.quiet || options.json || cli.streams.out.write(`${line}\n`)
  const showSigners = cli.streams.err.isTTY && !options.quiet && !options.json
  for (const image of images) {
    try {
      if (resolve) {
        if (image.defaultTagUsed) say(`Using default tag: ${defaultTag}`)
        image.defaultTagUsed = false
        Object.assign(image, await resolve(image))
        // On a terminal, a verified image says who signed it: once, whatever the engines.
        if (showSigners) for (const line of signerLines(image.verification ?? [])) cli.streams.err.write(`${line}\n`)
      }

      if (options.allPlatforms) image.platforms = await allPlatformsOf(cli, pulledReference(image), image.info, await auth(image.info.authKey))
    } catch (error) {
      if (isCancelled(error) || cli.signal.aborted) throw cli.signal.aborted ? cancelledBy(cli.signal) : error
      image.error = error as Error
    }
  }

  return {auth, engines, images, pinned: resolve !== undefined, severalPlatforms: several}
}
