// dkr's own preferences (docker's settings stay in docker's files): a conf store at
// $XDG_CONFIG_HOME/dkr/config.json, 0600, validated by a JSON schema. Each value has one precedence:
// flag > environment > dkr config > default, and knows where it came from.
import {existsSync} from 'node:fs'
import {rename} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join, resolve} from 'node:path'
import {durationSyntax} from '../io/duration.js'
import {DkrError} from '../errors.js'

export const progressModes = ['auto', 'tty', 'plain', 'quiet', 'json'] as const
export const colorModes = ['auto', 'always', 'never'] as const

export interface Preferences {
  /** How pulls render: `auto` picks the live view on a terminal and plain lines elsewhere. */
  progress: (typeof progressModes)[number]
  /** How many names a pull works on at once. */
  parallel: number
  /** Default --platform. */
  platform?: string
  /** Verify image signatures (content trust) by default. */
  contentTrust: boolean
  color: (typeof colorModes)[number]
  /** Default --retry: attempts after a pull failed in a way that may get better. */
  retry: number
  /** Default --stall-timeout, a duration (`5m`, `30s`; `0` turns the watchdog off). */
  stallTimeout: string
  /** A containers-policy.json file: pulls verify cosign signatures by it (--signature-policy overrides). */
  signaturePolicy?: string
  /** A notation configuration directory, or `default` (notation's own): pulls verify Notary signatures by it (--notation-config overrides). */
  notationConfig?: string
  /** Show the registry's remaining pulls on a pull's total line (a terminal's live view only). */
  rateLimit: boolean
  /** A Sigstore TrustedRoot JSON file that keyless cosign signatures are checked against (--trusted-root overrides). */
  trustedRoot?: string
}

export type PreferenceKey = keyof Preferences
export type ResolvedPreferences = {[K in PreferenceKey]: Resolved<Preferences[K]>}
export type Source = 'default' | 'dkr config' | 'environment' | 'flag'

export interface Resolved<T> {
  value: T
  source: Source
  /** The flag or variable that decided, when not the config or the default. */
  from?: string
}

/**
 * stallTimeout: a pull silent for 5 minutes is stuck (dockerd reports at least once a second while it
 * downloads, extracts or counts down a retry; podman while it downloads), yet 5 minutes is room enough
 * for the silent phases there are: dockerd waiting for a slow manifest, podman storing a big image.
 */
export const defaults: Preferences = {color: 'auto', contentTrust: false, parallel: 3, progress: 'auto', rateLimit: false, retry: 0, stallTimeout: '5m'}

/** The JSON schema conf validates the file against (also the list of keys `dkr config` accepts). */
export const schema = {
  color: {description: 'Colour in error messages: auto (terminal, NO_COLOR, FORCE_COLOR), always, never', enum: [...colorModes], type: 'string'},
  contentTrust: {description: 'Verify signatures on pulls by default (DOCKER_CONTENT_TRUST overrides)', type: 'boolean'},
  notationConfig: {description: "A notation configuration directory, or default (notation's own), whose trust policy pulls verify Notary Project signatures by (--notation-config overrides)", minLength: 1, type: 'string'},
  parallel: {description: 'How many pulls run at once: names, or image × engine on several engines (--parallel overrides)', maximum: 64, minimum: 1, type: 'integer'},
  platform: {description: 'Default --platform (DOCKER_DEFAULT_PLATFORM overrides)', minLength: 1, type: 'string'},
  signaturePolicy: {description: 'A containers-policy.json file that pulls verify signatures by (--signature-policy overrides)', minLength: 1, type: 'string'},
  progress: {description: 'How pulls render: auto, tty (live view), plain (log lines), quiet (names only), json (one result document)', enum: [...progressModes], type: 'string'},
  rateLimit: {description: "Show the registry's remaining pulls on a pull's total line, asked alongside the pull (terminal only)", type: 'boolean'},
  retry: {description: 'How many times a pull is tried again after a failure that may get better (--retry overrides)', maximum: 100, minimum: 0, type: 'integer'},
  trustedRoot: {description: 'A Sigstore TrustedRoot JSON file that cosign signatures are checked against (--trusted-root overrides)', minLength: 1, type: 'string'},
  stallTimeout: {description: 'Abort a pull with no new bytes or status for this long, e.g. 30s, 5m; 0: never (--stall-timeout overrides)', pattern: durationSyntax, type: 'string'},
} as const

export const preferenceKeys = Object.keys(schema).sort() as PreferenceKey[]

export function preferencesDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'dkr')
}

export function preferencesPath(env: NodeJS.ProcessEnv): string {
  return join(preferencesDir(env), 'config.json')
}

type Store = import('conf').default<Partial<Preferences>>

async function openStore(env: NodeJS.ProcessEnv): Promise<Store> {
  // conf (and its ajv) is 77 ms of imports: paid only by commands that read or write preferences.
  const {default: Conf} = await import('conf')
  return new Conf<Partial<Preferences>>({configFileMode: 0o600, cwd: preferencesDir(env), schema: schema as never})
}

export interface StoredPreferences {
  values: Partial<Preferences>
  /** One line when the file could not be used; the defaults apply and the file is left as it is. */
  warning?: string
}

/** What the user set. No file, no conf import; a broken file is a warning, never fatal. */
export async function loadStoredPreferences(env: NodeJS.ProcessEnv): Promise<StoredPreferences> {
  const path = preferencesPath(env)
  if (!existsSync(path)) return {values: {}}
  try {
    return {values: {...(await openStore(env)).store}}
  } catch (error) {
    return {values: {}, warning: `WARNING: ignoring dkr preferences in ${path}: ${describe(error)}; using the defaults`}
  }
}

function describe(error: unknown): string {
  const message = (error as Error).message ?? String(error)
  return message.replace(/^Config schema violation: /, '')
}

const falseWords = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False'])

/** Every preference with its value and where it came from; flags are applied by the command on top. */
export function resolvePreferences(env: NodeJS.ProcessEnv, stored: Partial<Preferences>): ResolvedPreferences {
  const pick = <K extends PreferenceKey>(key: K, fromEnv?: {name: string; value: Preferences[K]}): Resolved<Preferences[K]> => {
    if (fromEnv) return {from: fromEnv.name, source: 'environment', value: fromEnv.value}
    if (stored[key] !== undefined) return {source: 'dkr config', value: stored[key] as Preferences[K]}
    return {source: 'default', value: defaults[key] as Preferences[K]}
  }

  const trust = env.DOCKER_CONTENT_TRUST
  // chalk 5 ignores NO_COLOR, so the rule lives here: FORCE_COLOR (0/false: off) wins, then NO_COLOR.
  const force = env.FORCE_COLOR
  const colorEnv = force ? {name: 'FORCE_COLOR', value: (force === '0' || force === 'false' ? 'never' : 'always') as Preferences['color']} : env.NO_COLOR ? {name: 'NO_COLOR', value: 'never' as const} : undefined
  return {
    color: pick('color', colorEnv),
    contentTrust: pick('contentTrust', trust !== undefined && trust !== '' ? {name: 'DOCKER_CONTENT_TRUST', value: !falseWords.has(trust)} : undefined),
    notationConfig: pick('notationConfig'),
    parallel: pick('parallel'),
    platform: pick('platform', env.DOCKER_DEFAULT_PLATFORM ? {name: 'DOCKER_DEFAULT_PLATFORM', value: env.DOCKER_DEFAULT_PLATFORM} : undefined),
    progress: pick('progress'),
    rateLimit: pick('rateLimit'),
    retry: pick('retry'),
    stallTimeout: pick('stallTimeout'),
    signaturePolicy: pick('signaturePolicy'),
    trustedRoot: pick('trustedRoot'),
  }
}

/** `key` as a preference name, or docker-style one-line error naming the known ones. */
export function preferenceKey(key: string): PreferenceKey {
  if (!(preferenceKeys as string[]).includes(key)) throw new DkrError(`unknown preference "${key}"; known: ${preferenceKeys.join(', ')}`)
  return key as PreferenceKey
}

/** A typed value from the command line text, or docker-style one-line error. */
export function parsePreference(name: string, text: string): Preferences[PreferenceKey] {
  const key = preferenceKey(name)
  const rule = schema[key] as {type: string; enum?: readonly string[]; minimum?: number; maximum?: number; pattern?: string}
  if (rule.type === 'boolean') {
    if (['true', '1', 'on', 'yes'].includes(text)) return true
    if (['false', '0', 'off', 'no'].includes(text)) return false
    throw new DkrError(`invalid value "${text}" for ${key}: expected true or false`)
  }

  if (rule.type === 'integer') {
    const value = Number(text)
    if (!Number.isInteger(value) || value < rule.minimum! || value > rule.maximum!) throw new DkrError(`invalid value "${text}" for ${key}: expected a whole number from ${rule.minimum} to ${rule.maximum}`)
    return value
  }

  if (rule.enum && !rule.enum.includes(text)) throw new DkrError(`invalid value "${text}" for ${key}: expected one of ${rule.enum.join(', ')}`)
  if (text === '') throw new DkrError(`invalid value "" for ${key}: expected a non-empty string`)
  if (rule.pattern && !new RegExp(rule.pattern).test(text)) throw new DkrError(`invalid value "${text}" for ${key}: expected a duration such as 30s, 500ms or 5m, or 0`)
  // A file is kept absolute, so later pulls from any directory read the same one.
  return key === 'signaturePolicy' || key === 'trustedRoot' || (key === 'notationConfig' && text !== 'default') ? resolve(text) : text
}

/** Sets (or, with undefined, unsets) a preference. A file that does not parse is set aside, not lost. */
export async function storePreference(env: NodeJS.ProcessEnv, name: string, value: Preferences[PreferenceKey] | undefined): Promise<string | undefined> {
  const key = preferenceKey(name)
  let store: Store
  let setAside: string | undefined
  try {
    store = await openStore(env)
  } catch {
    setAside = `${preferencesPath(env)}.invalid`
    await rename(preferencesPath(env), setAside)
    store = await openStore(env)
  }

  if (value === undefined) store.delete(key)
  else store.set(key, value)
  return setAside
}
