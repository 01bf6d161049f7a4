// docker's config.json, read tolerantly: a broken file is docker's warning and no credentials, never fatal.
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

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
