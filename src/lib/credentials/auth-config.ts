// ResolveAuthConfig: the credentials docker would send for a registry key, from a credential helper
// (credHelpers, then credsStore) or from config.json's auths; and their X-Registry-Auth encoding.
import {isCancelled} from '../errors.js'
import type {AuthEntry, DockerConfig} from './config-file.js'
import {helperGet, type HelperOptions} from './helper-protocol.js'

/** docker's registry.AuthConfig, in its JSON field order. */
export interface AuthConfig {
  username?: string
  password?: string
  auth?: string
  email?: string
  serveraddress?: string
  identitytoken?: string
  registrytoken?: string
}

/** `http://host:5000/v2/` → `host:5000`: how docker matches legacy keys. */
export function convertToHostname(url: string): string {
  const stripped = url.replace(/^https?:\/\//, '')
  return stripped.split('/')[0]
}

/** The helper that stores this key's credentials, or undefined for the file store. */
export function helperFor(config: DockerConfig, key: string): string | undefined {
  return (config.credHelpers && Object.hasOwn(config.credHelpers, key) ? config.credHelpers[key] : undefined) || config.credsStore || undefined
}

function decodeEntry(key: string, entry: AuthEntry): AuthConfig {
  const result: AuthConfig = {email: entry.email, identitytoken: entry.identitytoken, registrytoken: entry.registrytoken, serveraddress: key}
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon > 0) {
      result.username = decoded.slice(0, colon)
      result.password = decoded.slice(colon + 1).replace(/\0+$/, '')
    }
  } else {
    result.username = entry.username
    result.password = entry.password
  }

  return result
}

/** The file store's entry: the exact key first, then any key naming the same host. */
export function fileAuth(config: DockerConfig, key: string): AuthConfig {
  const auths = config.auths ?? {}
  // Own entries only (a key `toString` is not an entry); a null entry is Go's empty one.
  if (Object.hasOwn(auths, key)) return decodeEntry(key, auths[key] ?? {})
  for (const [candidate, entry] of Object.entries(auths)) {
    if (convertToHostname(candidate) === convertToHostname(key)) return decodeEntry(key, entry ?? {})
  }

  return {serveraddress: key}
}

export async function resolveAuthConfig(config: DockerConfig, key: string, options: HelperOptions = {}): Promise<AuthConfig> {
  const helper = helperFor(config, key)
  const file = fileAuth(config, key)
  if (!helper) return file
  const found = await helperGet(helper, key, options)
  if (!found) return {email: file.email, serveraddress: key}
  if (found.Username === '<token>') return {email: file.email, identitytoken: found.Secret, serveraddress: key}
  return {email: file.email, password: found.Secret, serveraddress: key, username: found.Username}
}

/**
 * resolveAuthConfig for callers that go on without credentials when their store fails, as docker 28 does
 * (saying so only in debug output): the failure goes to `debug`, and the answer is anonymous.
 */
export async function resolveAuthConfigOrNone(config: DockerConfig, key: string, options: HelperOptions & {debug(message: string): void}): Promise<AuthConfig> {
  try {
    return await resolveAuthConfig(config, key, options)
  } catch (error) {
    if (isCancelled(error)) throw error
    options.debug(`credentials for ${key} unavailable, going on without them: ${(error as Error).message}`)
    return {serveraddress: key}
  }
}

export function isAnonymous(auth: AuthConfig): boolean {
  return !auth.username && !auth.password && !auth.identitytoken && !auth.registrytoken && !auth.auth
}

/** X-Registry-Auth: base64url of the JSON with `=` padding kept (unpadded values are silently ignored by dockerd). */
export function encodeRegistryAuth(auth: AuthConfig): string {
  const fields: (keyof AuthConfig)[] = ['username', 'password', 'auth', 'email', 'serveraddress', 'identitytoken', 'registrytoken']
  const present: AuthConfig = {}
  for (const field of fields) if (auth[field]) present[field] = auth[field]
  const json = isAnonymous(auth) ? '{}' : JSON.stringify(present)
  return Buffer.from(json, 'utf8').toString('base64').replaceAll('+', '-').replaceAll('/', '_')
}
