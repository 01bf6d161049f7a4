// Which platforms a pull fetches, and which manifest each one got. nerdctl's `--platform a,b` and
// `--all-platforms` become the plan's platforms of each name (plan.ts), one engine pull each: the
// containerd image store keeps them all under the one image; an engine that keeps one platform per name
// (dockerd's graph drivers, podman 4) would keep only the last, so it is refused before it pulls (on
// several engines, that engine alone). Which manifest a pull got comes from the engine's own record where
// it keeps one (the containerd store), else from the registry (dkr's own client, the pull's credentials):
// a HEAD says whether the name is an index (not a pull on Docker Hub), and only an index is fetched, never
// from a registry that counts manifest GETs as pulls.
import type {Cli} from '../cli/context.js'
import type {AuthConfig} from '../credentials/auth-config.js'
import type {EngineClient} from '../engine/client.js'
import {cancelledBy, DkrError} from '../errors.js'
import {apiTag, referenceString} from '../reference/format.js'
import type {ImageReference} from '../reference/parse.js'
import {isIndexType, platformName, RegistryClient, type ManifestDocument} from '../registry/client.js'
import {header} from '../registry/http.js'
import {registryHost, type RepositoryInfo} from '../registry/repository-info.js'
import {rateLimitOf} from '../registry/ratelimit.js'
import {pullTotals, type ExecuteOptions, type PlatformDigest, type PullOutcome, type PullResult} from './result.js'

/**
 * `--platform` values, each possibly a comma-separated list, as one list without repeats. Each is left for
 * the engine to judge, as docker leaves it (a bogus one gets the engine's own answer).
 */
export function platformList(values: readonly string[]): string[] {
  return [...new Set(values.flatMap((value) => value.split(',')).map((p) => p.trim()).filter(Boolean))]
}

/** An index's image manifests by platform; attestation manifests (`unknown/unknown`) are not platforms. */
export function indexPlatforms(document: ManifestDocument): PlatformDigest[] {
  // The registry's JSON is any object: `manifests` that is no array, or an entry that is no object, names no platform.
  const entries: unknown[] = Array.isArray(document.manifests) ? document.manifests : []
  return entries.flatMap((entry) => {
    if (entry === null || typeof entry !== 'object') return []
    const {digest, platform} = entry as {digest?: unknown; platform?: {os?: unknown; architecture?: unknown; variant?: unknown}}
    if (typeof digest !== 'string' || typeof platform?.os !== 'string' || typeof platform.architecture !== 'string' || !platform.os || !platform.architecture || platform.os === 'unknown') return []
    return [{digest, platform: platformName({architecture: platform.architecture, os: platform.os, variant: typeof platform.variant === 'string' ? platform.variant : undefined})}]
  })
}

/** The entry a platform picks, as the engines match: os and architecture, and the variant when both name one. */
export function pickPlatform(entries: readonly PlatformDigest[], wanted: string): PlatformDigest | undefined {
  const [os, arch, variant] = wanted.split('/')
  const matches = entries.filter((entry) => {
    const [entryOs, entryArch, entryVariant] = entry.platform.split('/')
    return entryOs === os && entryArch === arch && (variant === undefined || entryVariant === undefined || entryVariant === variant)
  })
  return matches.find((entry) => entry.platform === wanted) ?? matches[0]
}

/**
 * What the registry says `ref` is: its digest, and its platforms when it is an index. With `uncounted`,
 * a registry that counts pulls (its HEAD answer carries rate-limit headers, as Docker Hub's does) is not
 * asked for the index: Hub counts every manifest GET, so reading it would spend the user's quota on a report.
 */
export async function resolvePlatforms(cli: Cli, ref: ImageReference, info: RepositoryInfo, auth: AuthConfig, signal = cli.signal, uncounted = false): Promise<{digest?: string; platforms?: PlatformDigest[]}> {
  const client = new RegistryClient({auth, host: registryHost(info), insecure: info.insecure, signal})
  const repository = ref.path
  const head = await client.head(repository, apiTag(ref) ?? 'latest')
  if (head.status < 200 || head.status >= 300) throw new DkrError(`${registryHost(info)}: HEAD manifest ${repository}: ${head.status}`)
  const digest = header(head.headers, 'docker-content-digest') ?? ref.digest
  if (!isIndexType(header(head.headers, 'content-type'))) return {digest}
  if (uncounted && rateLimitOf(head.headers)) {
    cli.debug(`${registryHost(info)} counts manifest GETs as pulls: its index is not read for the platform report`)
    return {digest}
  }

  const index = await client.resolve(repository, digest ?? apiTag(ref) ?? 'latest')
  return {digest: index.digest, platforms: indexPlatforms(index.document)}
}

/** The platform an engine pulls when none is named: its own. */
async function enginePlatform(engine: EngineClient, signal: AbortSignal): Promise<string> {
  const {server} = await engine.version(signal)
  return `${server.Os ?? 'linux'}/${server.Arch ?? 'amd64'}`
}

/** Whether a pull's end names the platform manifest it got: not for -a's many tags, not for -q's one line, not once cancelled. */
export function platformReportWanted(cli: Cli, options: Pick<ExecuteOptions, 'all' | 'json' | 'quiet'>): boolean {
  return !options.all && (!options.quiet || options.json) && !cli.signal.aborted
}

/** How long a pull's end waits for the registry to say which manifest it gave: a registry only the engine reaches must not hold it up. */
export const afterPullLookupMs = 5000

/** What the registry says `ref` is, asked at a pull's end: bounded, so it never holds a finished pull up, and never counted as a pull. */
export function askAfterPull(cli: Cli, ref: ImageReference, info: RepositoryInfo, auth: AuthConfig): Promise<{digest?: string; platforms?: PlatformDigest[]}> {
  return resolvePlatforms(cli, ref, info, auth, AbortSignal.any([cli.signal, AbortSignal.timeout(afterPullLookupMs)]), true)
}

/**
 * The index digest and the manifest a pull of one platform (or the engine's own) got, for the result and
 * the line the pull prints; undefined when the name is no index or neither the engine nor the registry
 * can say (never in the pull's way: the engine has already pulled). Podman names neither digest.
 * `askRegistry`: how the registry is asked, when several pulls of the name share its answer (a fleet asks
 * once).
 */
export async function platformPulled(cli: Cli, engine: EngineClient, ref: ImageReference, info: RepositoryInfo, auth: AuthConfig, platform: string | undefined, askRegistry = () => askAfterPull(cli, ref, info, auth)): Promise<{index: string; manifest: PlatformDigest} | undefined> {
  // The engine is held to the same bound as the registry: the pull is done, the report must not hold it.
  const bounded = AbortSignal.any([cli.signal, AbortSignal.timeout(afterPullLookupMs)])
  try {
    // The engine's own record first, where it keeps one (the containerd store): the registry is not asked.
    const kept = await engine.keptImage(referenceString(ref), bounded).catch(() => undefined)
    const {digest, platforms} = kept ? {digest: kept.digest, platforms: kept.manifests} : await askRegistry()
    if (!platforms?.length || !digest) return undefined
    const manifest = pickPlatform(platforms, platform ?? (await enginePlatform(engine, bounded)))
    return manifest && {index: digest, manifest}
  } catch (error) {
    if (cli.signal.aborted) throw cancelledBy(cli.signal)
    cli.debug(`could not ask ${info.indexName} which manifest was pulled: ${(error as Error).message}`)
    return undefined
  }
}

/** Whether each name is pulled at several platforms (a list, or every platform of its index): every engine must keep them all under one name. */
export function severalPlatforms(options: {platforms?: readonly string[]; allPlatforms?: boolean}): boolean {
  return (options.allPlatforms ?? false) || (options.platforms?.length ?? 0) > 1
}

/** Several platforms need an engine that keeps them all under one name: refused before it pulls anything. */
export async function requireMultiPlatformStore(engine: EngineClient, signal: AbortSignal): Promise<void> {
  const store = await engine.imageStore(signal)
  if (store.containerd) return
  throw new DkrError(`cannot pull several platforms: the engine at ${engine.endpoint.host} keeps one platform per image name (${store.driver} storage); that needs the containerd image store`)
}

/** What --all-platforms pulls of `ref`: every platform of its index; the engine's own (undefined) when it is no index. */
export async function allPlatformsOf(cli: Cli, ref: ImageReference, info: RepositoryInfo, auth: AuthConfig): Promise<(string | undefined)[]> {
  const {platforms = []} = await resolvePlatforms(cli, ref, info, auth)
  return platforms.length === 0 ? [undefined] : platforms.map((p) => p.platform)
}

/** The results of one name's platform pulls as one (on one engine): every platform's manifest, the first failure. */
export function mergePlatformResults(results: readonly PullResult[]): PullResult {
  if (results.length === 1) return results[0]
  const failed = results.find((r) => r.status === 'failed')
  return {
    // What every platform's result shares: the engine, the verification.
    ...results[0],
    ...pullTotals(results),
    digest: results.find((r) => r.digest)?.digest,
    durationMs: Math.max(...results.map((r) => r.durationMs)),
    platforms: results.flatMap((r) => r.platforms ?? []),
    ...(failed ? {error: failed.error, status: 'failed'} : {}),
  }
}

/** An image's outcomes, one per platform, as one: its platforms' results merged, the first failure kept. */
export function mergeOutcomes(group: readonly PullOutcome[]): PullOutcome {
  return group.length === 1 ? group[0] : {error: group.find((o) => o.error)?.error, result: mergePlatformResults(group.map((o) => o.result))}
}
