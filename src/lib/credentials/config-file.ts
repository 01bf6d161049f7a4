// docker's config.json, read tolerantly: a broken file is docker's warning and no credentials, never fatal.
// Written the careful way: under a lock (concurrent logins never lose an entry), atomically (temp file
// and rename), keeping every key dkr does not know, new files 0600 in a 0700 directory, and a file that
// holds a credential never readable by others.
import {mkdir, readFile, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {DkrError} from '../errors.js'
import {isJsonObject} from '../io/json.js'

export interface AuthEntry {
  auth?: string
  username?: string
  password?: string
  email?: string
  identitytoken?: string
  registrytoken?: string
  [key: string]: unknown
}

export interface DockerConfig {
  auths?: Record<string, AuthEntry>
  credsStore?: string
  credHelpers?: Record<string, string>
  currentContext?: string
  [key: string]: unknown
}

export interface LoadedConfig {
  path: string
  config: DockerConfig
  /** docker's warning when the file could not be used; the config is then empty and must not be saved over. */
  warning?: string
}

export function configPath(configDir: string): string {
  return join(configDir, 'config.json')
}

export async function loadConfig(configDir: string): Promise<LoadedConfig> {
  const path = configPath(configDir)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return {config: {}, path}
    return {config: {}, path, warning: readWarning(path, error as NodeJS.ErrnoException)}
  }

  try {
    const parsed: unknown = text.trim() === '' ? {} : JSON.parse(text)
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object')
    const mismatch = typeMismatch(parsed as Record<string, unknown>)
    if (mismatch) throw new Error(mismatch)
    return {config: parsed as DockerConfig, path}
  } catch (error) {
    return {config: {}, path, warning: `WARNING: Error parsing config file (${path}): ${(error as Error).message}`}
  }
}

const entryStrings = ['auth', 'username', 'password', 'email', 'identitytoken', 'registrytoken']

function goKind(value: unknown): string {
  return Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value === 'boolean' ? 'bool' : typeof value
}

/**
 * Go's words for the first field dkr reads that has the wrong type (docker then ignores the whole file,
 * as dkr does). A null is Go's zero value, kept as it is; unknown keys are not looked at.
 */
function typeMismatch(config: Record<string, unknown>): string | undefined {
  const wrong = (value: unknown, field: string, type: string) => `json: cannot unmarshal ${goKind(value)} into Go struct field ${field} of type ${type}`
  for (const field of ['credsStore', 'currentContext']) {
    if (config[field] != null && typeof config[field] !== 'string') return wrong(config[field], `ConfigFile.${field}`, 'string')
  }

  const {auths, credHelpers} = config
  if (auths != null && !isJsonObject(auths)) return wrong(auths, 'ConfigFile.auths', 'map[string]types.AuthConfig')
  for (const entry of Object.values(auths ?? {})) {
    if (entry == null) continue
    if (!isJsonObject(entry)) return wrong(entry, 'ConfigFile.auths', 'types.AuthConfig')
    const field = entryStrings.find((name) => entry[name] != null && typeof entry[name] !== 'string')
    if (field) return wrong(entry[field], `ConfigFile.auths.${field}`, 'string')
  }

  if (credHelpers != null && !isJsonObject(credHelpers)) return wrong(credHelpers, 'ConfigFile.credHelpers', 'map[string]string')
  const helper = Object.values(credHelpers ?? {}).find((name) => name != null && typeof name !== 'string')
  return helper === undefined ? undefined : wrong(helper, 'ConfigFile.credHelpers', 'string')
}

/** config.json could not be written; what it held is as it was. */
export class ConfigWriteError extends DkrError {
  constructor(message: string, options?: ConstructorParameters<typeof DkrError>[1]) {
    super(message, options)
    this.name = 'ConfigWriteError'
  }
}

function writeFailure(path: string, error: NodeJS.ErrnoException): ConfigWriteError {
  const reasons: Record<string, string> = {EACCES: 'permission denied', ENOSPC: 'no space left on device', EPERM: 'permission denied', EROFS: 'read-only file system'}
  return new ConfigWriteError(`cannot write ${path}: ${reasons[error.code ?? ''] ?? error.message}`, {cause: error})
}

/** How long a lock left by a killed dkr or docker process blocks others before it counts as stale. */
const staleLockMs = 10_000

/** Whether config.json holds a secret itself (not only a helper's empty marker). */
function holdsCredential(config: DockerConfig): boolean {
  return Object.values(config.auths ?? {}).some((entry) => Boolean(entry.auth || entry.password || entry.identitytoken || entry.registrytoken))
}

export interface ConfigUpdate {
  config: DockerConfig
  /** Set when the file held a credential and others could read it: it was made private, and this says so. */
  warning?: string
}

/**
 * Reads config.json afresh under a lock, lets `change` edit it, and writes it back atomically. A file that
 * does not parse is never written over: the user's data matters more than the save.
 */
export async function updateConfig(configDir: string, change: (config: DockerConfig) => void): Promise<ConfigUpdate> {
  await mkdir(configDir, {mode: 0o700, recursive: true})
  const path = configPath(configDir)
  // Loaded on first write only: pulls never pay for them.
  const [{default: lockfile}, {default: writeFileAtomic}] = await Promise.all([import('proper-lockfile'), import('write-file-atomic')])
  let release: () => Promise<void>
  try {
    release = await lockfile.lock(path, {realpath: false, retries: {factor: 1.5, maxTimeout: 250, minTimeout: 20, retries: 60}, stale: staleLockMs})
  } catch (error) {
    throw writeFailure(path, error as NodeJS.ErrnoException)
  }

  try {
    const loaded = await loadConfig(configDir)
    if (loaded.warning) throw new ConfigWriteError(`not saving ${path}: it could not be read, and writing it would lose what it holds`, {hint: loaded.warning})
    change(loaded.config)
    const mode = await stat(path).then((stats) => stats.mode & 0o777, () => undefined)
    // Tab-indented like docker's own saves. A new file is private; an existing one keeps its mode (and
    // its owner) unless it holds a credential others could read: docker keeps that mode, dkr does not.
    const exposed = mode !== undefined && (mode & 0o077) !== 0 && holdsCredential(loaded.config)
    let text: string
    try {
      text = `${JSON.stringify(loaded.config, null, '\t')}\n`
    } catch (error) {
      // JSON.parse reads nesting that JSON.stringify's recursion cannot write back (an unknown key some
      // 5,000 levels deep): the file is left as it is rather than saved without it.
      throw new ConfigWriteError(`not saving ${path}: it is nested too deeply to be written back whole`, {cause: error})
    }

    await writeFileAtomic(path, text, mode === undefined || exposed ? {mode: 0o600} : {}).catch((error: NodeJS.ErrnoException) => {
      throw writeFailure(path, error)
    })
    const warning = exposed ? `WARNING: ${path} holds credentials and was readable by others (mode ${mode.toString(8).padStart(4, '0')}): its mode is now 0600` : undefined
    return {config: loaded.config, warning}
  } finally {
    await release().catch(() => {})
  }
}

/** docker's words for a config.json it cannot read (they differ by where Go's os calls failed). */
function readWarning(path: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'EISDIR') return `WARNING: Error parsing config file (${path}): read ${path}: is a directory`
  if (error.code === 'EACCES') return `WARNING: Error loading config file: open ${path}: permission denied`
  return `WARNING: Error loading config file: ${path}: ${error.message}`
}
