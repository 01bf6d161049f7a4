import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {convertToHostname, encodeRegistryAuth, fileAuth} from '../../../src/lib/credentials/auth-config.js'

describe('X-Registry-Auth', () => {
  it('is e30= when anonymous', () => assert.equal(encodeRegistryAuth({serveraddress: 'x'}), 'e30='))
  it('is base64url of docker\'s JSON with padding kept', () => {
    assert.equal(encodeRegistryAuth({password: 's3cret', serveraddress: '127.0.0.1:5001', username: 'alice'}), 'eyJ1c2VybmFtZSI6ImFsaWNlIiwicGFzc3dvcmQiOiJzM2NyZXQiLCJzZXJ2ZXJhZGRyZXNzIjoiMTI3LjAuMC4xOjUwMDEifQ==')
    assert.ok(!/[+/]/.test(encodeRegistryAuth({password: '>>>???', serveraddress: 'a', username: 'u'})))
  })
})

describe('the file store', () => {
  const config = {auths: {'http://127.0.0.1:5001/v2/': {auth: Buffer.from('alice:pa:ss\0').toString('base64')}, 'other:1': {password: 'p', username: 'u'}}}
  it('matches a legacy key by host and decodes user:pass (colons in the password kept, NULs trimmed)', () => {
    assert.deepEqual(fileAuth(config, '127.0.0.1:5001'), {email: undefined, identitytoken: undefined, password: 'pa:ss', registrytoken: undefined, serveraddress: '127.0.0.1:5001', username: 'alice'})
  })

  it('reads plain username and password fields', () => assert.equal(fileAuth(config, 'other:1').password, 'p'))
  it('has nothing for an unknown registry', () => assert.deepEqual(fileAuth(config, 'nope:1'), {serveraddress: 'nope:1'}))
  it('converts URLs to host names as docker does', () => assert.equal(convertToHostname('https://index.docker.io/v1/'), 'index.docker.io'))
})
