// ssh:// engines through the stack's loopback sshd (whose `docker system dial-stdio` reaches the
// stack's dockerd): the user's default key, and the host key checked against ~/.ssh/known_hosts.
import assert from 'node:assert/strict'
import {copyFileSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {baseEnv, dkr} from '../helpers/run.js'
import {removeImages, stack} from '../helpers/stack.js'

/** A home directory with (or without) the stack's client key and known_hosts entry. */
function sshHome(options: {key?: boolean; knownHosts?: string} = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'dkr-home-'))
  mkdirSync(join(home, '.ssh'), {mode: 0o700})
  if (options.key !== false) copyFileSync(process.env.DKR_SSH_KEY!, join(home, '.ssh', 'id_ed25519'))
  if (options.knownHosts === undefined) copyFileSync(process.env.DKR_SSH_KNOWN_HOSTS!, join(home, '.ssh', 'known_hosts'))
  else writeFileSync(join(home, '.ssh', 'known_hosts'), options.knownHosts)
  const env = baseEnv({DOCKER_HOST: process.env.DKR_SSH_HOST, HOME: home})
  delete env.SSH_AUTH_SOCK
  return env
}

describe('an engine reached over ssh://', () => {
  const image = () => `${stack.registry}/demo/small:1.0`
  after(() => removeImages(image()))

  it('pulls and reports the version through ssh with the default key and a known host', async () => {
    const env = sshHome()
    const pull = await dkr(['pull', '-q', image()], {env})
    assert.equal(pull.code, 0, pull.stderr)
    assert.equal(pull.stdout, `${image()}\n`)
    const version = await dkr(['version', '--format', '{{.Server.Os}}'], {env})
    assert.equal(version.stdout, 'linux\n')
  })

  it('refuses a host whose key is not in known_hosts, with one line and what to do', async () => {
    const result = await dkr(['version', '-f', 'x'], {env: sshHome({knownHosts: ''})})
    assert.equal(result.code, 1)
    assert.match(result.stderr, /^error during connect: ssh root@\[127\.0\.0\.1\]:\d+: Host key verification failed/)
    assert.match(result.stderr, /\nCheck it and add it with: ssh-keyscan -p \d+ 127\.0\.0\.1 >> ~\/\.ssh\/known_hosts\n$/)
  })

  it('refuses a host whose key changed (another key listed for it)', async () => {
    const port = /:(\d+)$/.exec(process.env.DKR_SSH_HOST!)![1]
    const other = `[127.0.0.1]:${port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFak\n`
    const result = await dkr(['version', '-f', 'x'], {env: sshHome({knownHosts: other})})
    assert.equal(result.code, 1)
    assert.match(result.stderr, /Host key verification failed/)
  })

  it('says so when no key is accepted', async () => {
    const result = await dkr(['version', '-f', 'x'], {env: sshHome({key: false})})
    assert.equal(result.code, 1)
    assert.match(result.stderr, /^error during connect: ssh root@\[127\.0\.0\.1\]:\d+: Permission denied \(publickey\)/)
  })
})
