// The credentials docker would send to a registry, looked up through the Cli context (its debug lines,
// environment and Ctrl-C) from one loaded config file. A verified pull asks for the same registry's
// credentials several times (to read its signatures, then for each digest it pulls); each key is looked
// up once per lookup, so a credential helper runs once.
import type {AuthConfig} from '../credentials/auth-config.js'
import {resolveAuthConfigOrNone} from '../credentials/auth-config.js'
import type {LoadedConfig} from '../credentials/config-file.js'
import type {Cli} from './context.js'

/** A registry key's credentials (none when nothing is stored, or the helper fails). */
export type AuthLookup = (key: string) => Promise<AuthConfig>

export function authLookup(cli: Cli, loaded: LoadedConfig): AuthLookup {
  const found = new Map<string, Promise<AuthConfig>>()
  return (key) => {
    let auth = found.get(key)
    if (auth === undefined) {
      auth = resolveAuthConfigOrNone(loaded.config, key, {debug: (line) => cli.debug(line), env: cli.streams.env, signal: cli.signal})
      found.set(key, auth)
    }

    return auth
  }
}
