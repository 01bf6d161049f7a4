// ssh:// engines through the stack's loopback sshd (whose `docker system dial-stdio` reaches the
// stack's dockerd): the user's default key, and the host key checked against ~/.ssh/known_hosts.
import assert from 'node:assert/strict'
import {after, describe, it} from 'node:test'
import {dkr} from '../helpers/run.js'
import {sshHome} from '../helpers/ssh-home.js'
import {removeImages, stack} from '../helpers/stack.js'

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
