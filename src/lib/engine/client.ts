// The few engine calls dkr makes, over dockerode. Every transport error and HTTP error is turned into
// dkr's error values here, in one place, worded as docker words them.
import type Dockerode from 'dockerode'
import {readFileSync} from 'node:fs'
import {cancelledBy, DkrError, EngineResponseError} from '../cli/errors.js'
import {type JsonMessage, readMessages} from '../progress/json-message.js'
import type {Endpoint, TlsFiles} from './endpoint.js'

/** The newest API version dkr speaks; older engines are met at their own version. */
export const clientApiVersion = '1.47'

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

export interface EngineClient {
  readonly endpoint: Endpoint
  /** Starts a pull; resolves once the engine accepted it, with its progress messages. */
  pull(request: PullRequest, signal: AbortSignal): Promise<AsyncIterable<JsonMessage>>
  /** Asks the engine to log in to a registry with these credentials (docker login's check). */
  auth(request: AuthRequest, signal: AbortSignal): Promise<AuthResponse>
}

interface ModemError extends Error {
  code?: string
  statusCode?: number
  json?: {message?: string} | null
}

function compareVersions(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number)
  const [bm, bn] = b.split('.').map(Number)
  return am === bm ? an - bn : am - bm
}

function readKey(path: string): string {
  const text = readFileSync(path, 'utf8')
  if (text.includes('ENCRYPTED')) throw new DkrError(`private key ${path} is encrypted; dkr cannot use encrypted keys (decrypt it with openssl)`)
  return text
}

export class DockerodeEngine implements EngineClient {
  private docker: Dockerode | undefined
  private negotiated: Promise<string> | undefined

  constructor(readonly endpoint: Endpoint, private readonly env: NodeJS.ProcessEnv, private readonly userAgent: string) {}

  private async client(): Promise<Dockerode> {
    if (this.docker) return this.docker
    // Loaded on first use: commands that never reach the engine do not pay for dockerode.
    const {default: Docker} = await import('dockerode')
    const {transport} = this.endpoint
    const headers = {'User-Agent': this.userAgent}
    if (transport.kind === 'unix') {
      this.docker = new Docker({headers, socketPath: transport.socketPath} as Dockerode.DockerOptions)
    } else if (transport.kind === 'tcp') {
      this.docker = new Docker({headers, host: transport.host, port: transport.port, ...(transport.tls ? await tlsOptions(transport.tls) : {protocol: 'http'})} as Dockerode.DockerOptions)
    } else {
      this.docker = new Docker({headers, host: transport.host, port: transport.port, protocol: 'ssh', sshOptions: {agent: this.env.SSH_AUTH_SOCK}, username: transport.username} as Dockerode.DockerOptions)
    }

    return this.docker
  }

  /** HEAD /_ping, then the versioned paths docker uses; DOCKER_API_VERSION pins the version instead. */
  private apiVersion(): Promise<string> {
    this.negotiated ??= (async () => {
      const docker = await this.client()
      const pinned = this.env.DOCKER_API_VERSION
      let version = pinned
      if (!pinned) {
        const response = await this.call(() => new Promise<{headers: Record<string, string>; resume(): void}>((resolve, reject) => {
          docker.modem.dial({isStream: true, method: 'HEAD', path: '/_ping', statusCodes: {200: true, 500: 'server error'}}, (error, result) => (error ? reject(error) : resolve(result as {headers: Record<string, string>; resume(): void})))
        }))
        response.resume()
        const server = response.headers['api-version'] || '1.24'
        version = compareVersions(server, clientApiVersion) < 0 ? server : clientApiVersion
      }

      const modem = docker.modem as unknown as {version: string}
      modem.version = `v${version}`
      return version!
    })()
    return this.negotiated
  }

  async pull(request: PullRequest, signal: AbortSignal): Promise<AsyncIterable<JsonMessage>> {
    await this.apiVersion()
    const docker = await this.client()
    const query: Record<string, string> = {fromImage: request.fromImage}
    if (request.tag !== undefined) query.tag = request.tag
    if (request.platform) query.platform = request.platform.toLowerCase()
    const body = await this.call(() => docker.createImage({key: request.registryAuth} as unknown as Dockerode.AuthConfig, {...query, abortSignal: signal}) as Promise<NodeJS.ReadableStream>, signal)
    return this.guardStream(readMessages(body as AsyncIterable<Buffer>), signal)
  }

  async auth(request: AuthRequest, signal: AbortSignal): Promise<AuthResponse> {
    await this.apiVersion()
    const docker = await this.client()
    const answer = await this.call(() => new Promise<unknown>((resolve, reject) => {
      docker.modem.dial({abortSignal: signal, method: 'POST', options: request, path: '/auth', statusCodes: {200: true, 204: true}}, (error, data) => (error ? reject(error) : resolve(data)))
    }), signal)
    const body = (answer ?? {}) as Partial<AuthResponse>
    return {IdentityToken: body.IdentityToken || undefined, Status: body.Status || 'Login Succeeded'}
  }

  private async *guardStream(messages: AsyncIterable<JsonMessage>, signal: AbortSignal): AsyncGenerator<JsonMessage> {
    try {
      yield* messages
    } catch (error) {
      if (signal.aborted) throw cancelledBy(signal)
      if (error instanceof DkrError || (error as Error).name === 'StreamFormatError') throw error
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
    if (error.statusCode !== undefined) {
      const text = error.json?.message ?? error.message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trimEnd()
      return new EngineResponseError(error.statusCode, text)
    }

    const code = error.code ?? ''
    if (code === 'EACCES') return new DkrError(`permission denied while trying to connect to the Docker daemon socket at ${this.endpoint.host}`)
    if (['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENOTFOUND'].includes(code)) {
      return new DkrError(`Cannot connect to the Docker daemon at ${this.endpoint.host}. Is the docker daemon running?`)
    }

    return new DkrError(`error during connect: ${this.endpoint.host}: ${error.message}`)
  }
}

async function tlsOptions(tls: TlsFiles): Promise<Record<string, unknown>> {
  const {Agent} = await import('node:https')
  const ca = tls.ca ? readFileSync(tls.ca, 'utf8') : undefined
  const cert = tls.cert ? readFileSync(tls.cert, 'utf8') : undefined
  const key = tls.key ? readKey(tls.key) : undefined
  return {agent: new Agent({ca, cert, key, rejectUnauthorized: tls.verify}), ca, cert, key, protocol: 'https'}
}
