// dkr's own registry client (distribution's HTTP API v2): manifests by tag or digest, the OCI referrers
// API, blobs. Every manifest and blob is checked against its digest before anyone reads it. Credentials
// are the ones docker would send for the registry; a registry that answers 401 with a Bearer challenge
// gets docker's token dance (basic credentials, an identity token or nothing traded for a bearer token).
// Plain HTTP only where docker allows it: loopback registries (RepositoryInfo.insecure).
import {createHash} from 'node:crypto'
import type {AuthConfig} from '../credentials/auth-config.js'
import {isJsonObject, maxJsonDepth, nestsDeeperThan} from '../io/json.js'
import {exchange, header, RegistryError, registryErrorText, type HttpResponse} from './http.js'
import {TokenAuth} from './token-auth.js'

export {RegistryError} from './http.js'

export const mediaTypes = {
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
} as const

/** Whether a media type (its parameters aside) is an index of manifests, OCI's or docker's. */
export function isIndexType(mediaType: string | undefined): boolean {
  const type = mediaType?.split(';')[0].trim()
  return type === mediaTypes.ociIndex || type === mediaTypes.dockerList
}

/** A platform as --platform names it: `os/arch[/variant]`. */
export function platformName(platform: {os: string; architecture: string; variant?: string}): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/')
}

/** What docker's resolver accepts for a manifest, images and indexes alike. */
const manifestAccept = [mediaTypes.ociIndex, mediaTypes.ociManifest, mediaTypes.dockerList, mediaTypes.dockerManifest].join(', ')

/** Manifests and signature blobs are small; anything bigger is refused rather than read. */
const manifestLimit = 4 * 1024 * 1024
const blobLimit = 16 * 1024 * 1024
const tokenLimit = 1024 * 1024
const redirectLimit = 5

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  artifactType?: string
  annotations?: Record<string, string>
}

/** The fields of an image manifest or index dkr reads. */
export interface ManifestDocument {
  mediaType?: string
  artifactType?: string
  config?: Descriptor
  layers?: Descriptor[]
  manifests?: Descriptor[]
  subject?: Descriptor
  annotations?: Record<string, string>
}

export interface Manifest {
  digest: string
  mediaType: string
  bytes: Buffer
  document: ManifestDocument
}

export interface RegistryClientOptions {
  /** The registry host as docker names it (`127.0.0.1:5000`, `registry-1.docker.io` for Docker Hub). */
  host: string
  /** Plain HTTP allowed and certificates not checked (docker's insecure registries: loopback). */
  insecure: boolean
  /** Credentials for the registry, as resolveAuthConfig returns them. */
  auth: AuthConfig
  signal?: AbortSignal
  /** Extra CAs (PEM) for the registry's and token server's certificates. */
  ca?: string[]
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

/** `bytes` hashed with the digest's algorithm equals the digest; only sha256 and sha512 are known. */
export function matchesDigest(bytes: Buffer, digest: string): boolean {
  const [algorithm, hex] = digest.split(':')
  if ((algorithm !== 'sha256' && algorithm !== 'sha512') || !hex) return false
  return createHash(algorithm).update(bytes).digest('hex') === hex
}

/** Whether an HTTPS exchange met a server that does not speak TLS. */
function speaksPlainHttp(outcome: HttpResponse | NodeJS.ErrnoException): boolean {
  return outcome instanceof Error && (outcome.code === 'EPROTO' || outcome.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || outcome.code === 'ECONNRESET')
}

/**
 * Whether a plain HTTP exchange met a server that speaks TLS: Go's and nginx's answer 400 saying so, others
 * reset the connection or answer with a TLS record, which no HTTP parser reads.
 */
function speaksTls(outcome: HttpResponse | NodeJS.ErrnoException): boolean {
  if ('status' in outcome && 'body' in outcome) return outcome.status === 400 && /\bHTTPS\b/.test(outcome.body.toString('utf8'))
  const code = outcome instanceof RegistryError ? (outcome.cause as NodeJS.ErrnoException | undefined)?.code : undefined
  // Headers too large are an HTTP server's answer, not a TLS record.
  const parserError = code?.startsWith('HPE_') && code !== 'HPE_HEADER_OVERFLOW'
  return Boolean(parserError) || outcome.code === 'ECONNRESET'
}

export class RegistryClient {
  /**
   * Plain HTTP first on an insecure (loopback) registry with a port other than 443, as containerd does for
   * localhost (remotes/docker/config/hosts.go): no TLS context nor handshake for the registries that do not
   * speak it. Otherwise HTTPS first, as docker does. Either way the other scheme if the first was wrong.
   */
  private scheme: 'http' | 'https'
  private readonly tokens: TokenAuth

  constructor(private readonly options: RegistryClientOptions) {
    const port = new URL(`https://${options.host}`).port
    this.scheme = options.insecure && port !== '' ? 'http' : 'https'
    this.tokens = new TokenAuth(options.auth, (method, url, headers, body) => this.request(method, url, headers, tokenLimit, body))
  }

  /** The digest a tag (or digest) names, from the registry's manifest, checked against its bytes. */
  async resolve(repository: string, reference: string): Promise<Manifest> {
    const manifest = await this.manifest(repository, reference)
    if (!manifest) throw new RegistryError(`${repository}:${reference}: manifest unknown`, 404)
    return manifest
  }

  /**
   * A manifest by tag or digest, or undefined when the registry has none. A tag is first resolved with
   * HEAD (its Docker-Content-Digest), then the manifest is fetched by that digest and checked.
   */
  async manifest(repository: string, reference: string): Promise<Manifest | undefined> {
    let digest = reference.includes(':') ? reference : undefined
    if (!digest) {
      const head = await this.head(repository, reference)
      if (head.status === 404) return undefined
      this.expectOk(head, `HEAD manifest ${repository}:${reference}`)
      digest = header(head.headers, 'docker-content-digest')
    }

    const response = await this.send('GET', repository, `/v2/${repository}/manifests/${digest ?? reference}`, {Accept: manifestAccept}, manifestLimit)
    if (response.status === 404) return undefined
    this.expectOk(response, `GET manifest ${repository}:${reference}`)
    digest ??= header(response.headers, 'docker-content-digest') ?? sha256Digest(response.body)
    if (!matchesDigest(response.body, digest)) throw new RegistryError(`manifest ${repository}@${digest}: content does not match its digest`)
    return {bytes: response.body, digest, document: parseJsonObject(response.body, `${repository}@${digest}`), mediaType: header(response.headers, 'content-type') ?? ''}
  }

  /** A manifest HEAD, answered as it is (status and headers): Docker Hub does not count it as a pull. */
  head(repository: string, reference: string): Promise<HttpResponse> {
    return this.send('HEAD', repository, `/v2/${repository}/manifests/${reference}`, {Accept: manifestAccept}, 0)
  }

  /**
   * The manifests that refer to `digest`, from the OCI referrers API; undefined when the registry has no
   * such API (404), so the caller falls back to the referrers tag schema.
   */
  async referrers(repository: string, digest: string): Promise<Descriptor[] | undefined> {
    const response = await this.send('GET', repository, `/v2/${repository}/referrers/${digest}`, {Accept: mediaTypes.ociIndex}, manifestLimit)
    if (response.status === 404) return undefined
    this.expectOk(response, `GET referrers ${repository}@${digest}`)
    return parseJsonObject(response.body, `referrers of ${repository}@${digest}`).manifests ?? []
  }

  /** The referrers of `digest`: the referrers API's, else the referrers tag schema's (`sha256-<hex>`) index. */
  async referrersOrTagSchema(repository: string, digest: string): Promise<Descriptor[]> {
    const listed = await this.referrers(repository, digest)
    if (listed) return listed
    const index = await this.manifest(repository, digest.replace(':', '-'))
    return index?.document.manifests ?? []
  }

  /** The repository's tags (`GET /v2/<name>/tags/list`, following `Link` pages). */
  async tags(repository: string): Promise<string[]> {
    const tags: string[] = []
    let path: string | undefined = `/v2/${repository}/tags/list`
    for (let page = 0; path && page < 100; page++) {
      const response = await this.send('GET', repository, path, {Accept: 'application/json'}, manifestLimit)
      this.expectOk(response, `GET tags ${repository}`)
      const listed = (parseJsonObject(response.body, `tags of ${repository}`) as {tags?: unknown}).tags
      if (Array.isArray(listed)) tags.push(...listed.filter((t): t is string => typeof t === 'string'))
      path = /<([^>]+)>;\s*rel="next"/.exec(header(response.headers, 'link') ?? '')?.[1]
    }

    return tags
  }

  /** A blob, checked against the descriptor's digest and size. */
  async blob(repository: string, descriptor: Descriptor): Promise<Buffer> {
    if (descriptor.size > blobLimit) throw new RegistryError(`blob ${descriptor.digest}: ${descriptor.size} bytes is more than dkr reads`)
    const response = await this.send('GET', repository, `/v2/${repository}/blobs/${descriptor.digest}`, {}, blobLimit)
    this.expectOk(response, `GET blob ${repository}@${descriptor.digest}`)
    if (response.body.length !== descriptor.size || !matchesDigest(response.body, descriptor.digest)) throw new RegistryError(`blob ${repository}@${descriptor.digest}: content does not match its digest`)
    return response.body
  }

  private expectOk(response: HttpResponse, what: string): void {
    if (response.status >= 200 && response.status < 300) return
    const detail = registryErrorText(response.body) ?? (response.status === 401 ? 'UNAUTHORIZED' : undefined)
    throw new RegistryError(`${what}: ${response.status}${detail ? ` ${detail}` : ''}`, response.status)
  }

  /** One request, answering an auth challenge once if the registry sends one, and following redirects. */
  private async send(method: string, repository: string, path: string, headers: Record<string, string>, limit: number): Promise<HttpResponse> {
    const scope = `repository:${repository}:pull`
    const first = await this.follow(method, new URL(path, this.base()), headers, scope, limit)
    if (first.status !== 401 || !(await this.tokens.answer(header(first.headers, 'www-authenticate'), scope))) return first
    return this.follow(method, new URL(path, this.base()), headers, scope, limit)
  }

  /**
   * Registries send blobs (sometimes manifests) elsewhere with a redirect, to storage or a CDN: followed a
   * few times, the registry's Authorization kept only while the origin stays the registry's.
   */
  private async follow(method: string, url: URL, headers: Record<string, string>, scope: string, limit: number): Promise<HttpResponse> {
    const origin = url.origin
    for (let hops = 0; ; hops++) {
      const response = await this.request(method, url, {...headers, ...(url.origin === origin ? this.tokens.headers(scope) : {})}, limit)
      const location = header(response.headers, 'location')
      if (![301, 302, 303, 307, 308].includes(response.status) || !location) return response
      if (hops === redirectLimit) throw new RegistryError(`${url.pathname}: more than ${redirectLimit} redirects`)
      // exchange refuses plain HTTP off loopback, wherever the redirect points.
      url = new URL(location, url)
    }
  }

  private base(): string {
    return `${this.scheme}://${this.options.host}`
  }

  /** One HTTP(S) exchange. On a loopback registry whose scheme was guessed wrong, the other from then on. */
  private async request(method: string, url: URL, headers: Record<string, string>, limit: number, body?: Buffer): Promise<HttpResponse> {
    const guessed = this.options.insecure && url.host === this.options.host && url.protocol === `${this.scheme}:`
    let outcome: HttpResponse | NodeJS.ErrnoException
    try {
      outcome = await this.exchange(method, url, headers, limit, body)
    } catch (error) {
      outcome = error as NodeJS.ErrnoException
    }

    if (guessed && (this.scheme === 'http' ? speaksTls(outcome) : speaksPlainHttp(outcome))) {
      const first = this.scheme
      this.scheme = first === 'http' ? 'https' : 'http'
      try {
        return await this.exchange(method, new URL(`${url.pathname}${url.search}`, this.base()), headers, limit, body)
      } catch (error) {
        // The other scheme was no better (a server that is broken, not one of the other scheme): the first
        // answer says what went wrong, in its own words.
        if (this.options.signal?.aborted) throw error
        this.scheme = first
        if (outcome instanceof Error) throw outcome
        return outcome
      }
    }

    if (outcome instanceof Error) throw outcome
    return outcome
  }

  private exchange(method: string, url: URL, headers: Record<string, string>, limit: number, body?: Buffer): Promise<HttpResponse> {
    const verify = !(this.options.insecure && url.host === this.options.host)
    return exchange(url, {body, ca: this.options.ca, headers, limit, method, signal: this.options.signal, verify})
  }
}

function parseJsonObject(bytes: Buffer, what: string): ManifestDocument {
  const text = bytes.toString('utf8')
  if (nestsDeeperThan(text)) throw new RegistryError(`${what}: nested more than ${maxJsonDepth} deep`)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new RegistryError(`${what}: not JSON`)
  }

  if (!isJsonObject(parsed)) throw new RegistryError(`${what}: not a JSON object`)
  return parsed as ManifestDocument
}
