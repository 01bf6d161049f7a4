// docker's client-side login (registry.Service.Auth), for when the engine cannot be reached: dkr checks
// the credentials with the registry itself, as docker 28 does. GET /v2/ (https first; plain http too for
// a registry dockerd would treat as insecure, the loopback ones), then answer its challenge: Basic with
// the credentials, or Bearer through the token service it names (an offline token, which the registry
// may hand back as an identity token). The answer has POST /auth's shape, so the login flow stores it the
// same way.
//
// The seam is `CredentialCheck`: any registry client able to check credentials can stand in for
// `checkWithRegistry`. The challenge is read as the registry client's token auth reads it.
import {get as httpGet, type IncomingMessage} from 'node:http'
import {get as httpsGet} from 'node:https'
import {cancelledBy, DkrError} from '../errors.js'
import type {AuthRequest, AuthResponse} from '../engine/client.js'
import {describeNetworkError} from '../registry/network-error.js'
import {hostWithoutPort, hubAuthKey, isLoopbackHost} from '../registry/repository-info.js'
import {parseChallenge, type Challenge} from '../registry/token-auth.js'

export type CredentialCheck = (request: AuthRequest, signal: AbortSignal) => Promise<AuthResponse>

const requestTimeoutMs = 30_000
const hubRegistry = 'registry-1.docker.io'

interface Answer {
  status: number
  statusText: string
  headers: IncomingMessage['headers']
  body: string
}

/** One GET; rejects with Go's words for a transport failure (`Get "URL": dial tcp …`). */
async function get(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<Answer> {
  const getOver = url.protocol === 'https:' ? httpsGet : httpGet
  return new Promise((resolve, reject) => {
    const request = getOver(url, {headers: {'User-Agent': 'dkr', ...headers}, signal, timeout: requestTimeoutMs}, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        if (body.length < 1024 * 1024) body += chunk
      })
      response.on('end', () => resolve({body, headers: response.headers, status: response.statusCode ?? 0, statusText: response.statusMessage ?? ''}))
      response.on('error', reject)
    })
    request.on('timeout', () => request.destroy(Object.assign(new Error(`timed out after ${requestTimeoutMs / 1000}s`), {code: 'ETIMEDOUT'})))
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (signal.aborted) reject(cancelledBy(signal))
      else reject(new DkrError(`Get "${url.href}": ${describeNetworkError(error, url.host)}`))
    })
  })
}

const basic = (request: AuthRequest) => `Basic ${Buffer.from(`${request.username}:${request.password}`).toString('base64')}`

/** docker's failure line for an endpoint that answered, but not with a success. */
function refused(url: URL, answer: Answer): DkrError {
  return new DkrError(`login attempt to ${url.href} failed with status: ${answer.status} ${answer.statusText}`.trimEnd())
}

/** The Bearer dance: a token from the realm for these credentials, then /v2/ again with it. */
async function bearerLogin(url: URL, challenge: Challenge, request: AuthRequest, signal: AbortSignal): Promise<AuthResponse> {
  if (!challenge.params.realm) throw new DkrError(`login attempt to ${url.href} failed: the registry's Bearer challenge names no realm`)
  const realm = new URL(challenge.params.realm)
  if (challenge.params.service) realm.searchParams.set('service', challenge.params.service)
  realm.searchParams.set('account', request.username)
  realm.searchParams.set('client_id', 'docker')
  realm.searchParams.set('offline_token', 'true')
  const answer = await get(realm, {Authorization: basic(request)}, signal)
  if (answer.status !== 200) throw refused(url, answer)
  let token: {token?: string; access_token?: string; refresh_token?: string}
  try {
    token = JSON.parse(answer.body) as typeof token
  } catch {
    throw new DkrError(`login attempt to ${url.href} failed: the token service answered something that is not JSON`)
  }

  const bearer = token.token || token.access_token
  if (!bearer) throw new DkrError(`login attempt to ${url.href} failed: the token service answered no token`)
  const check = await get(url, {Authorization: `Bearer ${bearer}`}, signal)
  if (check.status !== 200) throw refused(url, check)
  return {IdentityToken: token.refresh_token || undefined, Status: 'Login Succeeded'}
}

async function loginAt(url: URL, request: AuthRequest, signal: AbortSignal): Promise<AuthResponse> {
  const open = await get(url, {}, signal)
  if (open.status === 200) return {Status: 'Login Succeeded'}
  if (open.status !== 401) throw refused(url, open)
  const challenge = parseChallenge(open.headers['www-authenticate'])
  if (challenge?.scheme === 'bearer') return bearerLogin(url, challenge, request, signal)
  const answer = await get(url, {Authorization: basic(request)}, signal)
  if (answer.status !== 200) throw refused(url, answer)
  return {Status: 'Login Succeeded'}
}

/** The /v2/ endpoints docker tries for a login key, in its order. */
export function loginEndpoints(serveraddress: string): URL[] {
  const host = serveraddress === hubAuthKey ? hubRegistry : serveraddress.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '')
  const schemes = isLoopbackHost(hostWithoutPort(host)) ? ['https', 'http'] : ['https']
  return schemes.map((scheme) => new URL(`${scheme}://${host}/v2/`))
}

/** Checks `request`'s credentials with the registry itself; the last endpoint's failure is the one reported. */
export const checkWithRegistry: CredentialCheck = async (request, signal) => {
  let failure: unknown
  for (const url of loginEndpoints(request.serveraddress)) {
    try {
      return await loginAt(url, request, signal)
    } catch (error) {
      if (signal.aborted) throw cancelledBy(signal)
      failure = error
    }
  }

  throw failure
}
