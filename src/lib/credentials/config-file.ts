// docker's config.json: read tolerantly (a broken file is a warning, never fatal), written atomically
// (temp file and rename in the same directory), mode 0600, every key dkr does not know kept as it was.
import {randomBytes} from 'node:crypto'
import {mkdir, open, readFile, rename, rm, stat} from 'node:fs/promises'
import {dirname, join} from 'node:path'

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
    return {config: {}, path, warning: `WARNING: Error loading config file: ${path}: ${describeFsError(error)}`}
  }

  try {
    const parsed: unknown = text.trim() === '' ? {} : JSON.parse(text)
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object')
    return {config: parsed as DockerConfig, path}
  } catch (error) {
    return {config: {}, path, warning: `WARNING: Error parsing config file (${path}): ${(error as Error).message}`}
  }
}

function describeFsError(error: unknown): string {
  const {code, message} = error as NodeJS.ErrnoException
  if (code === 'EISDIR') return 'is a directory'
  if (code === 'EACCES') return 'permission denied'
  return message
}

/** Writes the whole file through a temp file and rename, keeping the existing file's mode (new files: 0600). */
export async function saveConfig(path: string, config: DockerConfig): Promise<void> {
  const dir = dirname(path)
  await mkdir(dir, {mode: 0o700, recursive: true})
  let mode = 0o600
  try {
    mode = (await stat(path)).mode & 0o777
  } catch {}

  const temp = join(dir, `.config.json.${randomBytes(6).toString('hex')}.tmp`)
  try {
    const handle = await open(temp, 'wx', mode)
    try {
      await handle.writeFile(JSON.stringify(config, null, '\t') + '\n')
      await handle.sync()
    } finally {
      await handle.close()
    }

    await rename(temp, path)
  } catch (error) {
    await rm(temp, {force: true})
    throw error
  }
}
