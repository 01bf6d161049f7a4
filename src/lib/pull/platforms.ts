// Which platforms a pull fetches, and which manifest each one got. nerdctl's `--platform a,b` and
// `--all-platforms` become one engine pull per platform of the same name: the containerd image store
// keeps them all under the one image; an engine that keeps one platform per name (dockerd's graph
// drivers, podman 4) would keep only the last, so such a pull is refused before it starts. The manifest
// digests come from the registry (dkr's own client, the pull's credentials): a HEAD says whether the
// name is an index (not a pull on Docker Hub), and only an index is fetched.
import type {Cli} from '../cli/context.js'
import type {AuthConfig} from '../credentials/auth-config.js'
import {DkrError, isCancelled} from '../errors.js'
import {apiTag} from '../reference/format.js'
import type {ImageReference} from '../reference/parse.js'
import {mediaTypes, RegistryClient, type ManifestDocument} from '../registry/client.js'
import {header} from '../registry/http.js'
import {registryHost, type RepositoryInfo} from '../registry/repository-info.js'
import type {PullResult} from './run-pull.js'

export interface PlatformDigest {
  /** `os/arch[/variant]`, as --platform names it. */
  platform: string
  digest: string
}

/**
 * `--platform` values, each possibly a comma-separated list, as one list without repeats. Each is left for
 * the engine to judge, as docker leaves it (a bogus one gets the engine's own answer).
 */
export function platformList(values: readonly string[]): string[] {
  return [...new Set(values.flatMap((value) => value.split(',')).map((p) => p.trim()).filter(Boolean))]
}

function platformName(platform: {os?: string; architecture?: string; variant?: string}): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/')
}

/** An index's image manifests by platform; attestation manifests (`unknown/unknown`) are not platforms. */
export function indexPlatforms(document: ManifestDocument): PlatformDigest[] {
  return (document.manifests ?? []).flatMap((entry) => {
    const platform = (entry as {platform?: {os?: string; architecture?: string; variant?: string}}).platform
    if (!platform?.os || !platform.architecture || platform.os === 'unknown') return []
    return [{digest: entry.digest, platform: platformName(platform)}]
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

const indexTypes = new Set<string>([mediaTypes.dockerList, mediaTypes.ociIndex])

/** What the registry says `ref` is: its digest, and its platforms when it is an index. */
export async function resolvePlatforms(cli: Cli, ref: ImageReference, info: RepositoryInfo, auth: AuthConfig, signal = cli.signal): Promise<{digest?: string; platforms?: PlatformDigest[]}> {
  const client = new RegistryClient({auth, host: registryHost(info), insecure: info.insecure, signal})
  const repository = ref.path
  const head = await client.head(repository, apiTag(ref) ?? 'latest')
  if (head.status < 200 || head.status >= 300) throw new DkrError(`${registryHost(info)}: HEAD manifest ${repository}: ${head.status}`)
  const mediaType = (header(head.headers, 'content-type') ?? '').split(';')[0].trim()
  const digest = header(head.headers, 'docker-content-digest') ?? ref.digest
  if (!indexTypes.has(mediaType)) return {digest}
  const index = await client.resolve(repository, digest ?? apiTag(ref) ?? 'latest')
  return {digest: index.digest, platforms: indexPlatforms(index.document)}
}

/** The platform an engine pulls when none is named: its own. */
export async function enginePlatform(cli: Cli): Promise<string> {
  const {server} = await cli.engine().version(cli.signal)
  return `${server.Os ?? 'linux'}/${server.Arch ?? 'amd64'}`
}

/** How long a pull's end waits for the registry to say which manifest it gave: a registry only the engine reaches must not hold it up. */
export const afterPullLookupMs = 5000

/**
 * The index digest and the manifest a pull of one platform (or the engine's own) got, for the result and
 * the line the pull prints; undefined when the name is no index or the registry cannot be asked (never
 * in the pull's way: the engine has already pulled). Podman names neither digest.
 */
export async function platformPulled(cli: Cli, ref: ImageReference, info: RepositoryInfo, auth: AuthConfig, platform: string | undefined): Promise<{index: string; manifest: PlatformDigest} | undefined> {
  try {
    const {digest, platforms} = await resolvePlatforms(cli, ref, info, auth, AbortSignal.any([cli.signal, AbortSignal.timeout(afterPullLookupMs)]))
    if (!platforms || !digest) return undefined
    const manifest = pickPlatform(platforms, platform ?? (await enginePlatform(cli)))
    return manifest && {index: digest, manifest}
  } catch (error) {
    if (isCancelled(error)) throw error
    cli.debug(`could not ask ${info.indexName} which manifest was pulled: ${(error as Error).message}`)
    return undefined
  }
}

/** Several platforms need an engine that keeps them all under one name: refused before anything is pulled. */
export async function requireMultiPlatformStore(cli: Cli): Promise<void> {
  const store = await cli.engine().imageStore(cli.signal)
  if (store.containerd) return
  throw new DkrError(`cannot pull several platforms: the engine at ${cli.engine().endpoint.host} keeps one platform per image name (${store.driver} storage); that needs the containerd image store`)
}

export interface PlatformTarget<T> {
  target: T
  /** The platform this pull fetches; undefined: the one the options name, or the engine's. */
  platform?: string
  /** Which name (index into the targets before expansion) it belongs to. */
  of: number
}

/**
 * Each name once per platform when several are asked for (a list, or every platform of its index); each
 * name as it is otherwise. Refused up front on an engine that keeps one platform per name.
 */
export async function expandPlatforms<T extends {ref: ImageReference; info: RepositoryInfo}>(
  cli: Cli,
  options: {platforms: readonly string[]; allPlatforms: boolean},
  targets: readonly T[],
  auth: (key: string) => Promise<AuthConfig>,
): Promise<PlatformTarget<T>[]> {
  if (!options.allPlatforms && options.platforms.length < 2) return targets.map((target, of) => ({of, platform: options.platforms[0], target}))
  await requireMultiPlatformStore(cli)
  const expanded: PlatformTarget<T>[] = []
  for (const [of, target] of targets.entries()) {
    let platforms = options.platforms
    if (options.allPlatforms) {
      const resolved = await resolvePlatforms(cli, target.ref, target.info, await auth(target.info.authKey))
      platforms = resolved.platforms?.map((p) => p.platform) ?? []
      if (platforms.length === 0) platforms = [await enginePlatform(cli)]
    }

    for (const platform of platforms) expanded.push({of, platform, target})
  }

  return expanded
}

/** The results of one name's platform pulls as one: every platform's manifest, the first failure. */
export function mergePlatformResults(results: readonly PullResult[]): PullResult {
  if (results.length === 1) return results[0]
  const failed = results.find((r) => r.status === 'failed')
  const status = failed ? 'failed' : ((['downloaded', 'pulled'] as const).find((s) => results.some((r) => r.status === s)) ?? 'up to date')
  const unsized = results.reduce((sum, r) => sum + (r.unsizedLayers ?? 0), 0)
  return {
    attempts: Math.max(...results.map((r) => r.attempts)),
    bytes: results.reduce((sum, r) => sum + r.bytes, 0),
    digest: results.find((r) => r.digest)?.digest,
    durationMs: Math.max(...results.map((r) => r.durationMs)),
    platforms: results.flatMap((r) => r.platforms ?? []),
    reference: results[0].reference,
    status,
    ...(failed ? {error: failed.error} : {}),
    ...(unsized > 0 ? {unsizedLayers: unsized} : {}),
  }
}
