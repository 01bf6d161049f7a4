// One HTTP(S) exchange with a registry, a token server or a Notary server: bounded size and time, plain
// HTTP only to loopback (docker's default insecure ranges), and the answer read whole.
// Static named imports: the bundle defers node:https until first called (scripts/build.js, loadedOnFirstUse);
// a dynamic import() would build an ES-module facade reading every export of node:http, undici included.
import {type IncomingHttpHeaders, request as httpRequest} from 'node:http'
import {request as httpsRequest} from 'node:https'
import {rootCertificates} from 'node:tls'
import {describeNetworkError} from './network-error.js'
import {hostWithoutPort, isLoopbackHost} from './repository-info.js'

/** A registry (or token server) failure, in one line, with the HTTP status when there was one. */
export class RegistryError extends Error {
  constructor(message: string, readonly status?: number, options?: ErrorOptions) {
    super(message, options)
    this.name = 'RegistryError'
  }
}

export interface HttpResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

export interface ExchangeOptions {
  method: string
  headers: Record<string, string>
  body?: Buffer
  /** The most bytes read; a larger answer is refused. */
  limit: number
  /** Check the server's certificate (docker skips it for insecure registries). */
  verify: boolean
  /** Extra CAs (PEM), on top of Node's roots. */
  ca?: readonly string[]
  signal?: AbortSignal
}

const timeoutMs = 30_000

/** Whether dkr may connect to this URL, or send credentials to it: https, or plain HTTP to loopback. */
export function connectionAllowed(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(hostWithoutPort(url.host)))
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** The first message of a registry's `{"errors":[{"code","message"}]}` body, when it has one. */
export function registryErrorText(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as {errors?: {code?: string; message?: string}[]}
    const first = parsed.errors?.[0]
    return first ? [first.code, first.message].filter(Boolean).join(': ') : undefined
  } catch {
    return undefined
  }
}

export async function exchange(url: URL, options: ExchangeOptions): Promise<HttpResponse> {
  if (!connectionAllowed(url)) throw new RegistryError(`refusing plain HTTP to ${url.host}`)
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  const {body, limit, method} = options
  let deadline: NodeJS.Timeout | undefined
  return new Promise<HttpResponse>((resolve, reject) => {
    const request = send(
      url,
      {
        ca: options.ca?.length ? [...options.ca, ...rootCertificates] : undefined,
        headers: {'User-Agent': 'dkr', ...options.headers, ...(body ? {'Content-Length': String(body.length)} : {})},
        method,
        rejectUnauthorized: options.verify,
        signal: options.signal,
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = []
        let size = 0
        response.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > limit && method !== 'HEAD') {
            request.destroy(new RegistryError(`${url.pathname}: answer larger than ${limit} bytes`))
            return
          }

          chunks.push(chunk)
        })
        response.on('end', () => resolve({body: Buffer.concat(chunks), headers: response.headers, status: response.statusCode ?? 0}))
        response.on('error', (error) => reject(new RegistryError(`${url.host}: ${describeNetworkError(error, url.host)}`)))
      },
    )
    request.on('timeout', () => request.destroy(new RegistryError(`${url.host}: no answer within ${timeoutMs / 1000}s`)))
    // The socket timeout is for silence; a server trickling a byte at a time meets this deadline.
    deadline = setTimeout(() => request.destroy(new RegistryError(`${url.host}: no complete answer within ${timeoutMs / 1000}s`)), timeoutMs)
    // Parser errors become one line here; connection errors keep their codes (client.ts reads them).
    request.on('error', (error: NodeJS.ErrnoException) => reject(error.code?.startsWith('HPE_') ? new RegistryError(`${url.host}: ${describeNetworkError(error, url.host)}`, undefined, {cause: error}) : error))
    request.end(body)
  }).finally(() => clearTimeout(deadline))
}
