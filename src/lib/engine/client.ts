// The few engine calls dkr makes, over dockerode. Every transport error and HTTP error is turned into
// dkr's error values here, in one place, worded as docker words them.
import type Dockerode from 'dockerode'
import {readFileSync} from 'node:fs'
import {Agent, type AgentOptions} from 'node:http'
import {Agent as HttpsAgent} from 'node:https'
import {cancelledBy, DkrError, EngineResponseError, EngineUnreachableError, isUnknownAuthority, unknownAuthority} from '../errors.js'
import {type JsonMessage, readMessages, StreamFormatError} from '../progress/json-message.js'
import {isJsonObject, type JsonObject} from '../io/json.js'
import {isIndexType, platformName} from '../registry/client.js'
import {describeSshError, hostVerifier, sshCredentials} from './ssh.js'
import type {Endpoint, TlsFiles} from './endpoint.js'

/**
 * The newest API version dkr speaks; older engines are met at their own version. 1.51 is Docker Engine
 * 28.3–28.5's, the newest the test stack runs (test/e2e over Docker Engine 28 with the containerd
 * store). None of the requests dkr makes (_ping, version, images/create, images/tag, auth) changed
 * between 1.41 and 1.51. Engine 29 (1.52+) accepts 1.51 (its minimum is 1.44 or lower), and its streams
 * drop the `progress` text, which dkr does not need (it renders from progressDetail); dkr goes higher
 * once a newer engine runs in the stack.
 */
export const clientApiVersion = '1.51'

export interface PullRequest {
  /** Fully qualified repository (`docker.io/library/nginx`). */
  fromImage: string
  /** Tag or digest; absent pulls every tag. */
  tag?: string
  platform?: string
  /** X-Registry-Auth value; `e30=` when anonymous. */
  registryAuth: string
}

/** POST /auth's body: the credentials to check against `serveraddress`. */
export interface AuthRequest {
  username: string
  password: string
  serveraddress: string
}

export interface AuthResponse {
  /** Replaces the password in the store when the registry hands one out. */
  IdentityToken?: string
  Status: string
}

/** GET /version, as the engine sends it. */
export interface ServerVersion {
  Version?: string
  ApiVersion?: string
  MinAPIVersion?: string
  GitCommit?: string
  GoVersion?: string
  Os?: string
  Arch?: string
  KernelVersion?: string
  Experimental?: boolean
  BuildTime?: string
  Platform?: {Name?: string}
  Components?: {Name: string; Version: string; Details?: Record<string, string>}[]
}

/** One manifest of an image's index the engine keeps: its platform (`os/arch[/variant]`) and digest. */
export interface KeptManifest {
  platform: string
  digest: string
}

/** What the engine stored for an image: the digest it was pulled by, and the manifests of it it holds (none: no index). */
export interface KeptImage {
  digest: string
  manifests: KeptManifest[]
}

/** How an engine keeps images: the containerd image store holds every platform of an index under one name. */
export interface ImageStore {
  containerd: boolean
  /** The storage driver (`vfs`, `overlay2`) or snapshotter (`overlayfs`, `native`) it names. */
  driver: string
}

export interface EngineClient {
  readonly endpoint: Endpoint
  /** Starts a pull; resolves once the engine accepted it, with its progress messages. */
  pull(request: PullRequest, signal: AbortSignal): Promise<AsyncIterable<JsonMessage>>
  /** Asks the engine to log in to a registry with these credentials (docker login's check). */
  auth(request: AuthRequest, signal: AbortSignal): Promise<AuthResponse>
  /** Tags an image (`source` may be `name@digest`) as repo:tag. */
  tag(source: string, repo: string, tag: string, signal: AbortSignal): Promise<void>
  /** The engine's version, and the API version dkr and the engine agreed on. */
  version(signal: AbortSignal): Promise<{apiVersion: string; server: ServerVersion}>
  /** Resolves once the engine has answered its _ping (asked once; the API version is then agreed). */
  connect(signal: AbortSignal): Promise<void>
  /** How the engine keeps images (GET /info). */
  imageStore(signal: AbortSignal): Promise<ImageStore>
  /**
   * Which manifests of `reference`'s index the engine holds, from its own record (GET /images/…/json with
   * `manifests`, API 1.48+, the containerd store); undefined when it keeps no such record (graph drivers,
   * podman, older engines).
   */
  keptImage(reference: string, signal: AbortSignal): Promise<KeptImage | undefined>
}

interface ModemError extends Error {
  code?: string
  statusCode?: number
  json?: {message?: string} | null
}

export function compareApiVersions(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number)
  const [bm, bn] = b.split('.').map(Number)
  return am === bm ? an - bn : am - bm
}

function readKey(path: string): string {
  const text = readFileSync(path, 'utf8')
  if (text.includes('ENCRYPTED')) throw new DkrError(`private key ${path} is encrypted; dkr cannot use encrypted keys (decrypt it with openssl)`)
  return text
}

/** One request through dockerode's modem (the calls whose dockerode wrappers lack an abort signal). */
function dial<T>(docker: Dockerode, options: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(options as never, (error, data) => (error ? reject(error) : resolve(data as T)))
  })
}

/**
 * What an engine's image record (`GET /images/…/json?manifests=1`) says it holds: the digest it was pulled
 * by and, for an index, the image manifests available, by platform. Undefined when the record has no
 * manifest list (graph drivers, older engines), whatever else the engine sent.
 */
export function keptImageOf(record: unknown): KeptImage | undefined {
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined)
  const object = (value: unknown): JsonObject => (isJsonObject(value) ? value : {})
  const {Descriptor: descriptor, Manifests: manifests} = object(record)
  const digest = text(object(descriptor).digest)
  if (!Array.isArray(manifests) || !digest) return undefined
  if (!isIndexType(text(object(descriptor).mediaType))) return {digest, manifests: []}
  return {
    digest,
    manifests: manifests.flatMap((entry) => {
      const {Available: available, Descriptor: held, Kind: kind} = object(entry)
      const platform = object(object(held).platform)
      const [os, architecture, variant, heldDigest] = [text(platform.os), text(platform.architecture), text(platform.variant), text(object(held).digest)]
      if (available !== true || kind !== 'image' || !os || !architecture || !heldDigest) return []
      return [{digest: heldDigest, platform: platformName({architecture, os, variant})}]
    }),
  }
}

function ping(docker: Dockerode, method: 'GET' | 'HEAD', signal?: AbortSignal) {
  return dial<{headers: Record<string, string>; resume(): void}>(docker, {abortSignal: signal, isStream: true, method, path: '/_ping', statusCodes: {200: true, 500: 'server error'}})
}

export class DockerodeEngine implements EngineClient {
  private docker: Dockerode | undefined
  private negotiated: Promise<string> | undefined
  private pinged: Promise<Record<string, string>> | undefined

  constructor(readonly endpoint: Endpoint, private readonly env: NodeJS.ProcessEnv, private readonly userAgent: string) {}

  private async client(): Promise<Dockerode> {
    if (this.docker) return this.docker
    const {transport} = this.endpoint
    // Loaded on first use: commands that never reach the engine do not pay for dockerode.
    const {default: Docker} = await import('dockerode')
    const headers = {'User-Agent': this.userAgent}
    if (transport.kind === 'unix') {
      this.docker = new Docker({agent: plainHttpAgent(), headers, socketPath: transport.socketPath} as Dockerode.DockerOptions)
    } else if (transport.kind === 'tcp') {
      const security = transport.tls ? await tlsOptions(transport.tls) : {agent: plainHttpAgent(), protocol: 'http'}
      this.docker = new Docker({headers, host: transport.host, port: transport.port, ...security} as Dockerode.DockerOptions)
    } else {
      // docker-modem builds an `ssh:` URL that Node's url.parse flags with DEP0170 on every request; the
      // warning is about docker-modem's internals, not anything the user can act on.
      process.noDeprecation = true
      const sshOptions = {...sshCredentials(this.env), hostVerifier: hostVerifier(transport, this.env)}
      this.docker = new Docker({headers, host: transport.host, port: transport.port, protocol: 'ssh', sshOptions, username: transport.username} as Dockerode.DockerOptions)
    }

    return this.docker
  }

  /**
   * HEAD /_ping (GET when HEAD is refused, as docker does), once: its headers say what the engine is.
   * `signal` ends a ping the engine does not answer (its connection too, so nothing keeps dkr waiting);
   * a failed ping is not kept, so a later call (a retry) asks again.
   */
  private pingHeaders(signal?: AbortSignal): Promise<Record<string, string>> {
    this.pinged ??= (async () => {
      const docker = await this.client()
      const response = await this.call(() => ping(docker, 'HEAD', signal).catch((error: ModemError) => {
        // An engine (or proxy) that refuses HEAD is asked again with GET, whose body explains.
        if (error.statusCode === undefined) throw error
        return ping(docker, 'GET', signal)
      }), signal)
      response.resume()
      return response.headers
    })()
    this.pinged.catch(() => (this.pinged = undefined))
    return this.pinged
  }

  /** The versioned paths docker uses, at the engine's version when older than dkr's; DOCKER_API_VERSION pins it instead. */
  private apiVersion(signal?: AbortSignal): Promise<string> {
    this.negotiated ??= (async () => {
      const docker = await this.client()
      let version = this.env.DOCKER_API_VERSION
      if (!version) {
        const server = (await this.pingHeaders(signal))['api-version'] || '1.24'
        version = compareApiVersions(server, clientApiVersion) < 0 ? server : clientApiVersion
      }

      const modem = docker.modem as unknown as {version: string}
      modem.version = `v${version}`
      return version
    })()
    this.negotiated.catch(() => (this.negotiated = undefined))
    return this.negotiated
  }

  /** The client, once the API version is agreed: what every engine call starts with. */
  private async negotiatedClient(signal?: AbortSignal): Promise<{docker: Dockerode; apiVersion: string}> {
    const apiVersion = await this.apiVersion(signal)
    return {apiVersion, docker: await this.client()}
  }

  async pull(request: PullRequest, signal: AbortSignal): Promise<AsyncIterable<JsonMessage>> {
    const {docker} = await this.negotiatedClient(signal)
    // Podman's Docker-compatible endpoint ignores "all tags" and pulls only :latest; say so instead.
    if (request.tag === undefined && 'libpod-api-version' in (await this.pingHeaders())) {
      throw new DkrError(`podman's Docker-compatible API cannot pull all tags of ${request.fromImage} (it would pull only :latest)`, {hint: 'Name the tags to pull, or use `podman pull --all-tags` on the engine host'})
    }

    const query: Record<string, string> = {fromImage: request.fromImage}
    if (request.tag !== undefined) query.tag = request.tag
    if (request.platform) query.platform = request.platform.toLowerCase()
    const body = await this.call(() => docker.createImage({key: request.registryAuth} as unknown as Dockerode.AuthConfig, {...query, abortSignal: signal}) as Promise<NodeJS.ReadableStream>, signal)
    return this.guardStream(readMessages(body as AsyncIterable<Buffer>), signal)
  }

  async auth(request: AuthRequest, signal: AbortSignal): Promise<AuthResponse> {
    const {docker} = await this.negotiatedClient()
    const answer = await this.call(() => dial<unknown>(docker, {abortSignal: signal, method: 'POST', options: request, path: '/auth', statusCodes: {200: true, 204: true}}), signal)
    const body = (answer ?? {}) as Partial<AuthResponse>
    return {IdentityToken: body.IdentityToken || undefined, Status: body.Status || 'Login Succeeded'}
  }

  async tag(source: string, repo: string, tag: string, signal: AbortSignal): Promise<void> {
    const {docker} = await this.negotiatedClient()
    await this.call(() => dial(docker, {abortSignal: signal, method: 'POST', options: {repo, tag}, path: `/images/${source}/tag?`, statusCodes: {200: true, 201: true}}), signal)
  }

  async connect(signal: AbortSignal): Promise<void> {
    await this.negotiatedClient(signal)
  }

  async version(signal: AbortSignal): Promise<{apiVersion: string; server: ServerVersion}> {
    const {apiVersion, docker} = await this.negotiatedClient(signal)
    const server = await this.call(() => dial<ServerVersion>(docker, {abortSignal: signal, method: 'GET', path: '/version', statusCodes: {200: true}}), signal)
    return {apiVersion, server}
  }

  async imageStore(signal: AbortSignal): Promise<ImageStore> {
    const {docker} = await this.negotiatedClient(signal)
    const info = await this.call(() => dial<{Driver?: string; DriverStatus?: [string, string][] | null}>(docker, {abortSignal: signal, method: 'GET', path: '/info', statusCodes: {200: true}}), signal)
    // Docker 24+ with the containerd store names its snapshotter's type; graph drivers and podman do not.
    const containerd = (info.DriverStatus ?? []).some(([key, value]) => key === 'driver-type' && value === 'io.containerd.snapshotter.v1')
    return {containerd, driver: info.Driver ?? 'unknown'}
  }

  async keptImage(reference: string, signal: AbortSignal): Promise<KeptImage | undefined> {
    const {apiVersion, docker} = await this.negotiatedClient(signal)
    if (compareApiVersions(apiVersion, '1.48') < 0) return undefined
    // docker-modem appends `options` after a path's trailing `?` (and cuts a query written into the path).
    const path = `/images/${encodeURIComponent(reference)}/json?`
    return keptImageOf(await this.call(() => dial<unknown>(docker, {abortSignal: signal, method: 'GET', options: {manifests: true}, path, statusCodes: {200: true, 404: 'no such image'}}), signal))
  }

  private async *guardStream(messages: AsyncIterable<JsonMessage>, signal: AbortSignal): AsyncGenerator<JsonMessage> {
    try {
      yield* messages
    } catch (error) {
      if (signal.aborted) throw cancelledBy(signal)
      if (error instanceof DkrError || error instanceof StreamFormatError) throw error
      throw new DkrError(`lost the connection to the Docker daemon at ${this.endpoint.host} during the pull (${(error as ModemError).code ?? (error as Error).message})`)
    }
  }

  /** Runs one engine call and turns its failure into a dkr error. */
  private async call<T>(request: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await request()
    } catch (error) {
      if (signal?.aborted) throw cancelledBy(signal)
      throw this.translate(error as ModemError)
    }
  }

  private translate(error: ModemError): Error {
    if (error instanceof DkrError) return error
    const {transport} = this.endpoint
    const ssh = transport.kind === 'ssh' ? describeSshError(error, transport, transport.username) : undefined
    if (ssh) return ssh
    if (error.statusCode !== undefined) {
      const text = error.json?.message ?? error.message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trimEnd()
      return new EngineResponseError(error.statusCode, text)
    }

    const code = error.code ?? ''
    // scripts/build.js's cap on what docker-modem keeps of an answer.
    if (code === 'DKR_ENGINE_ANSWER_TOO_LARGE') return new DkrError(`${this.endpoint.host}: ${error.message}`)
    if (code === 'EACCES') return new DkrError(`permission denied while trying to connect to the Docker daemon socket at ${this.endpoint.host}`)
    if (['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENOTFOUND'].includes(code)) {
      return new EngineUnreachableError(this.endpoint.host)
    }

    const tls = isUnknownAuthority(code) ? unknownAuthority : tlsProblems[code]
    if (tls) return new DkrError(`error during connect: ${this.endpoint.host}: ${tls}`)
    return new DkrError(`error during connect: ${this.endpoint.host}: ${error.message}`)
  }
}

const clientCertificateRefused = 'tls: the engine refused the client certificate (it needs one signed by its CA: --tlscert/--tlskey, or cert.pem/key.pem in DOCKER_CERT_PATH)'

/** Node's other TLS failure codes, in the words docker users know. */
const tlsProblems: Record<string, string> = {
  CERT_HAS_EXPIRED: "tls: failed to verify certificate: x509: the engine's certificate has expired",
  // OpenSSL 3.0 (Node 22) names the alert `sslv3 alert`, 3.2 and later (Node 24) `ssl/tls alert`.
  'ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE': clientCertificateRefused,
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: clientCertificateRefused,
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: clientCertificateRefused,
  ERR_TLS_CERT_ALTNAME_INVALID: "tls: failed to verify certificate: x509: the engine's certificate is not valid for this host name",
}

/**
 * An agent for plain HTTP: Node's global agent as it is (keep-alive, lifo, 5 s idle), with an empty
 * server name. Node's agent works out a TLS server name for every request, TLS or not, by testing the
 * Host header against its IPv6 pattern, and that pattern's first use compiles a regular expression: 8 to
 * 11 ms of every command that talks to the engine (measured here). Keep-alive matters: without it, dockerd
 * and the containerd store went on with a pull whose client had aborted it (a stalled attempt), and the
 * retry joined that stalled download (test/e2e/resilience.test.ts).
 */
function plainHttpAgent(): Agent {
  // Node reads servername (its agent's own options join every request's); @types/node leaves it out.
  return new Agent({keepAlive: true, scheduling: 'lifo', servername: '', timeout: 5000} as AgentOptions)
}

async function tlsOptions(tls: TlsFiles): Promise<Record<string, unknown>> {
  const ca = tls.ca ? readFileSync(tls.ca, 'utf8') : undefined
  const cert = tls.cert ? readFileSync(tls.cert, 'utf8') : undefined
  const key = tls.key ? readKey(tls.key) : undefined
  return {agent: new HttpsAgent({ca, cert, key, rejectUnauthorized: tls.verify}), ca, cert, key, protocol: 'https'}
}
