// docker's answer to a registry's (or Notary's) 401: `Basic` gets the stored credentials; `Bearer
// realm=…,service=…,scope=…` sends them to the realm for a token: a GET with basic credentials or none
// (anonymous tokens), or docker's OAuth2 POST trading an identity token (refresh_token grant). A stored
// registry token is used as it is. Answers are kept per scope, and each scope is answered once.
import type {AuthConfig} from '../credentials/auth-config.js'
import {connectionAllowed, RegistryError, registryErrorText, type HttpResponse} from './http.js'

export interface Challenge {
  scheme: string
  params: Record<string, string>
}

/** A WWW-Authenticate header's challenge, `Bearer realm="…",service="…",scope="…"` → its scheme and parameters (quoted or bare values). */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header ?? '')
  if (!match) return undefined
  const params: Record<string, string> = {}
  const pattern = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/g
  for (const [, key, quoted, bare] of match[2].matchAll(pattern)) params[key.toLowerCase()] = quoted === undefined ? bare : quoted.replace(/\\(.)/g, '$1')
  return {params, scheme: match[1].toLowerCase()}
}

/** How the token server is reached: method, URL, headers, body → the whole answer. */
export type TokenExchange = (method: string, url: URL, headers: Record<string, string>, body?: Buffer) => Promise<HttpResponse>

const tokenLimit = 1024 * 1024

export class TokenAuth {
  private readonly answers = new Map<string, string>()

  constructor(private readonly auth: AuthConfig, private readonly exchange: TokenExchange) {}

  /** The Authorization header for `scope`, once its challenge has been answered. */
  headers(scope: string): Record<string, string> {
    const value = this.answers.get(scope)
    return value ? {Authorization: value} : {}
  }

  /** Answers a 401's WWW-Authenticate for `scope`: true to try again, false when the 401 stands. */
  async answer(wwwAuthenticate: string | undefined, scope: string): Promise<boolean> {
    const challenge = parseChallenge(wwwAuthenticate)
    if (!challenge || this.answers.has(scope)) return false
    this.answers.set(scope, await this.authorization(challenge, scope))
    return true
  }

  private basic(): string | undefined {
    const {password, username} = this.auth
    return username && password ? `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` : undefined
  }

  private async authorization(challenge: Challenge, scope: string): Promise<string> {
    if (this.auth.registrytoken) return `Bearer ${this.auth.registrytoken}`
    if (challenge.scheme === 'basic') {
      const basic = this.basic()
      if (!basic) throw new RegistryError('unauthorized: authentication required', 401)
      return basic
    }

    if (challenge.scheme !== 'bearer' || !challenge.params.realm) throw new RegistryError(`unsupported authentication challenge: ${challenge.scheme}`, 401)
    return `Bearer ${await this.token(challenge.params, challenge.params.scope ?? scope)}`
  }

  /** Credentials go to an https realm (or a loopback one) only. */
  private async token(params: Record<string, string>, scope: string): Promise<string> {
    let realm: URL
    try {
      realm = new URL(params.realm)
    } catch {
      throw new RegistryError(`token server: invalid realm ${params.realm}`)
    }

    if (!connectionAllowed(realm)) throw new RegistryError(`token server: refusing realm ${realm.origin} (https required)`)
    let response: HttpResponse
    if (this.auth.identitytoken) {
      const form = new URLSearchParams({client_id: 'dkr', grant_type: 'refresh_token', refresh_token: this.auth.identitytoken, scope})
      if (params.service) form.set('service', params.service)
      response = await this.exchange('POST', realm, {'Content-Type': 'application/x-www-form-urlencoded'}, Buffer.from(form.toString()))
    } else {
      if (params.service) realm.searchParams.set('service', params.service)
      realm.searchParams.set('scope', scope)
      const basic = this.basic()
      response = await this.exchange('GET', realm, basic ? {Authorization: basic} : {})
    }

    const detail = registryErrorText(response.body)
    if (response.status !== 200) throw new RegistryError(`token server ${realm.origin}: ${response.status}${detail ? ` ${detail}` : ''}`, response.status === 401 ? 401 : undefined)
    if (response.body.length > tokenLimit) throw new RegistryError(`token server ${realm.origin}: answer too large`)
    let body: {token?: unknown; access_token?: unknown} | null
    try {
      body = JSON.parse(response.body.toString('utf8'))
    } catch {
      throw new RegistryError(`token server ${realm.origin}: answer is not JSON`)
    }

    if (typeof body !== 'object' || body === null) throw new RegistryError(`token server ${realm.origin}: no token in its answer`)

    const token = typeof body.token === 'string' && body.token ? body.token : body.access_token
    if (typeof token !== 'string' || !token) throw new RegistryError(`token server ${realm.origin}: no token in its answer`)
    return token
  }
}
