import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {knownHostsName, knownKeys} from '../../../src/lib/engine/ssh.js'

describe('known_hosts', () => {
  const key = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl'

  it('names hosts as OpenSSH does', () => {
    assert.equal(knownHostsName({host: 'example.com', port: 22}), 'example.com')
    assert.equal(knownHostsName({host: '127.0.0.1', port: 2222}), '[127.0.0.1]:2222')
  })

  it('finds plain, listed and bracketed entries, and skips comments, markers and other hosts', () => {
    const text = `# comment\nother.example ssh-ed25519 ${key}\nexample.com,10.0.0.1 ssh-ed25519 ${key}\n@revoked example.com ssh-ed25519 ${key}\n[127.0.0.1]:2222 ssh-ed25519 ${key}\n`
    assert.equal(knownKeys(text, {host: 'example.com', port: 22}).length, 1)
    assert.equal(knownKeys(text, {host: '127.0.0.1', port: 2222}).length, 1)
    assert.equal(knownKeys(text, {host: '127.0.0.1', port: 22}).length, 0)
    assert.deepEqual(knownKeys(text, {host: '127.0.0.1', port: 2222})[0], Buffer.from(key, 'base64'))
  })

  it('matches entries hashed by ssh-keygen -H', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkr-kh-'))
    const file = join(dir, 'known_hosts')
    writeFileSync(file, `[127.0.0.1]:2222 ssh-ed25519 ${key}\n`)
    execFileSync('ssh-keygen', ['-H', '-f', file], {stdio: 'ignore'})
    const hashed = readFileSync(file, 'utf8')
    assert.ok(hashed.startsWith('|1|'))
    assert.equal(knownKeys(hashed, {host: '127.0.0.1', port: 2222}).length, 1)
    assert.equal(knownKeys(hashed, {host: '127.0.0.1', port: 2223}).length, 0)
  })
})
