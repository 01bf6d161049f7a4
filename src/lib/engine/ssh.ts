// ssh:// engines, the way the docker CLI reaches them through OpenSSH: the user's agent or default key,
// and the engine host's key checked against ~/.ssh/known_hosts (plain, [host]:port and hashed entries).
// ssh2 (through dockerode) does the protocol; it checks no host key unless told to, so dkr tells it.
import {createHmac} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {DkrError} from '../errors.js'

export interface SshTarget {
  host: string
  port: number
}

/** How OpenSSH names a host in known_hosts: bare for port 22, `[host]:port` otherwise. */
export function knownHostsName(target: SshTarget): string {
  return target.port === 22 ? target.host : `[${target.host}]:${target.port}`
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|')
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash
  }

  return pattern === name
}

/** The keys known_hosts lists for this host (revoked and CA lines are not host keys). */
export function knownKeys(knownHosts: string, target: SshTarget): Buffer[] {
  const name = knownHostsName(target)
  const keys: Buffer[] = []
  for (const raw of knownHosts.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith('@')) continue
    const [patterns, , key] = line.split(/\s+/)
    if (key && patterns.split(',').some((pattern) => patternMatches(pattern, name))) keys.push(Buffer.from(key, 'base64'))
  }

  return keys
}

function home(env: NodeJS.ProcessEnv): string {
  return env.HOME || homedir()
}

/** ssh2's hostVerifier: the presented key must be one known_hosts lists for this host. */
export function hostVerifier(target: SshTarget, env: NodeJS.ProcessEnv): (key: Buffer) => boolean {
  const file = join(home(env), '.ssh', 'known_hosts')
  let text = ''
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    // No file: no host is known, so none is trusted.
  }

  const keys = knownKeys(text, target)
  return (key) => keys.some((known) => known.equals(key))
}

/** The credentials OpenSSH would offer first: the agent, else the first default key that is not encrypted. */
export function sshCredentials(env: NodeJS.ProcessEnv): {agent?: string; privateKey?: Buffer} {
  if (env.SSH_AUTH_SOCK) return {agent: env.SSH_AUTH_SOCK}
  for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    try {
      const key = readFileSync(join(home(env), '.ssh', name))
      if (!key.includes('ENCRYPTED') && !key.includes('bcrypt')) return {privateKey: key}
    } catch {
      // not there: try the next one
    }
  }

  return {}
}

/** ssh2's failures in the words docker users see from OpenSSH. */
export function describeSshError(error: Error & {level?: string}, target: SshTarget, username: string | undefined): DkrError | undefined {
  const where = `${username ? `${username}@` : ''}${knownHostsName(target)}`
  if (/host key verification|hostVerifier|Host denied/i.test(error.message)) {
    return new DkrError(`error during connect: ssh ${where}: Host key verification failed: the engine host's key is not in ~/.ssh/known_hosts (or does not match it)`, {hint: `Check it and add it with: ssh-keyscan -p ${target.port} ${target.host} >> ~/.ssh/known_hosts`})
  }

  if (error.level === 'client-authentication' || /All configured authentication methods failed/i.test(error.message)) {
    return new DkrError(`error during connect: ssh ${where}: Permission denied (publickey): no key in ssh-agent (SSH_AUTH_SOCK) or ~/.ssh/id_* was accepted`)
  }

  return undefined
}
