// Where docker keeps a registry's credentials, and writing or erasing them there: a credential helper
// (credHelpers[key], then credsStore) or config.json's `auths`. Both ends of a docker/dkr interop stay
// readable by the other: helper entries leave the same empty `auths` marker docker leaves.
import {access, constants} from 'node:fs/promises'
import {delimiter, join} from 'node:path'
import {DkrError, isCancelled} from '../errors.js'
import type {AuthConfig} from './auth-config.js'
import {helperFor} from './auth-config.js'
import {configPath, loadConfig, updateConfig, type AuthEntry, type DockerConfig} from './config-file.js'
import {helperAnswers, helperErase, helperStore, type HelperOptions} from './helper-protocol.js'

export type CredentialStore = {kind: 'file'} | {kind: 'helper'; name: string; detected: boolean}

export interface StoreOutcome {
  store: CredentialStore
  /** Set when the secret went into config.json in plain base64 and that changed the file: docker warns then. */
  unencryptedIn?: string
  /** config.json's mode was tightened to 0600 (it was readable by others): the warning saying so. */
  warning?: string
}

/** How long a platform helper may take to prove it works before dkr falls back to the file. */
const probeTimeoutMs = 3_000

async function onPath(program: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    try {
      await access(join(dir, program), constants.X_OK)
      return true
    } catch {
      // not in this directory
    }
  }

  return false
}

/**
 * docker's GetCredentialsStore for a write. With nothing configured docker picks `pass` or
 * `secretservice` because the binary exists, then fails on headless machines; dkr takes the platform
 * helper only if it answers a `list`, and otherwise writes the file.
 */
export async function chooseStore(config: DockerConfig, key: string, env: NodeJS.ProcessEnv): Promise<CredentialStore> {
  const configured = helperFor(config, key)
  if (configured) return {detected: false, kind: 'helper', name: configured}
  const nothingConfigured = config.credsStore === undefined && config.credHelpers === undefined && Object.keys(config.auths ?? {}).length === 0
  if (nothingConfigured) {
    const candidate = (await onPath('pass', env)) ? 'pass' : 'secretservice'
    if ((await onPath(`docker-credential-${candidate}`, env)) && (await helperAnswers(candidate, {env, timeoutMs: probeTimeoutMs}))) {
      return {detected: true, kind: 'helper', name: candidate}
    }
  }

  return {kind: 'file'}
}

async function readableConfig(configDir: string): Promise<DockerConfig> {
  const loaded = await loadConfig(configDir)
  if (loaded.warning) throw new DkrError(`Error saving credentials: ${loaded.path} could not be read, and writing it would lose what it holds`, {hint: loaded.warning})
  return loaded.config
}

/** The file entry docker writes: `auth` is base64 of user:password; identity tokens sit beside it. */
function fileEntry(previous: AuthEntry | undefined, auth: AuthConfig): AuthEntry {
  const entry: AuthEntry = {...previous}
  for (const field of ['auth', 'username', 'password', 'identitytoken', 'registrytoken'] as const) delete entry[field]
  if (auth.username || auth.password) entry.auth = Buffer.from(`${auth.username ?? ''}:${auth.password ?? ''}`).toString('base64')
  if (auth.email) entry.email = auth.email
  if (auth.identitytoken) entry.identitytoken = auth.identitytoken
  return entry
}

/** Stores a login's credentials under `key`, where docker would look for them. */
export async function storeCredentials(configDir: string, key: string, auth: AuthConfig, options: HelperOptions & {env: NodeJS.ProcessEnv}): Promise<StoreOutcome> {
  const store = await chooseStore(await readableConfig(configDir), key, options.env)
  if (store.kind === 'helper') {
    const credentials = auth.identitytoken
      ? {Secret: auth.identitytoken, ServerURL: key, Username: '<token>'}
      : {Secret: auth.password ?? '', ServerURL: key, Username: auth.username ?? ''}
    try {
      await helperStore(store.name, credentials, options)
    } catch (error) {
      if (isCancelled(error)) throw error
      throw new DkrError(`Error saving credentials: ${(error as Error).message}`)
    }

    await updateConfig(configDir, (config) => {
      if (store.detected) config.credsStore = store.name
      // The marker docker leaves: the registry is known, its secret lives in the helper.
      config.auths = {...config.auths, [key]: auth.email ? {email: auth.email} : {}}
    })
    return {store}
  }

  let changed = false
  const {warning} = await updateConfig(configDir, (config) => {
    const previous = config.auths?.[key]
    const next = fileEntry(previous, auth)
    changed = JSON.stringify(previous) !== JSON.stringify(next)
    config.auths = {...config.auths, [key]: next}
  })
  return {store, unencryptedIn: changed && auth.password ? configPath(configDir) : undefined, warning}
}

/**
 * Erases `key` from its store and its config.json entry; rejects with docker's wording when the helper
 * fails. Resolves with config.json's warning when its mode had to be tightened.
 */
export async function eraseCredentials(configDir: string, key: string, options: HelperOptions & {env: NodeJS.ProcessEnv}): Promise<string | undefined> {
  const config = await readableConfig(configDir)
  const helper = helperFor(config, key)
  let failure: Error | undefined
  if (helper) {
    await helperErase(helper, key, options).catch((error: Error) => {
      if (isCancelled(error)) throw error
      failure = error
    })
  }

  // The helper does not touch config.json, so the file read above still says whether there is an entry.
  let warning: string | undefined
  if (config.auths && key in config.auths) {
    ;({warning} = await updateConfig(configDir, (latest) => {
      if (latest.auths) delete latest.auths[key]
    }))
  }

  if (failure) throw failure
  return warning
}

export const unencryptedWarning = (path: string) =>
  `\nWARNING! Your credentials are stored unencrypted in '${path}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`
