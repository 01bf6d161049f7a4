// A home directory for dkr runs against the stack's loopback sshd.
import {copyFileSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {baseEnv} from './run.js'

/** DOCKER_HOST=ssh://… with a home holding (or not) the stack's client key and known_hosts entry; no agent. */
export function sshHome(options: {key?: boolean; knownHosts?: string} = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'dkr-home-'))
  mkdirSync(join(home, '.ssh'), {mode: 0o700})
  if (options.key !== false) copyFileSync(process.env.DKR_SSH_KEY!, join(home, '.ssh', 'id_ed25519'))
  if (options.knownHosts === undefined) copyFileSync(process.env.DKR_SSH_KNOWN_HOSTS!, join(home, '.ssh', 'known_hosts'))
  else writeFileSync(join(home, '.ssh', 'known_hosts'), options.knownHosts)
  const env = baseEnv({DOCKER_HOST: process.env.DKR_SSH_HOST, HOME: home})
  delete env.SSH_AUTH_SOCK
  return env
}
