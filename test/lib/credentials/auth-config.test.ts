import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {convertToHostname, encodeRegistryAuth, fileAuth, helperFor} from '../../../src/lib/credentials/auth-config.js'
import {loadConfig} from '../../../src/lib/credentials/config-file.js'
import {HelperError, parseGetAnswer} from '../../../src/lib/credentials/helper-protocol.js'

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

describe('config.json as the config-json fuzz target wrote it (test/fuzz/targets.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dkr-config-fuzz-'))
  after(() => rmSync(dir, {force: true, recursive: true}))
  const load = async (text: string) => {
    writeFileSync(join(dir, 'config.json'), text)
    return loadConfig(dir)
  }

  it('reads a null entry as an empty one, as Go does (it was a TypeError)', async () => {
    const {config, warning} = await load('{"auths":{"127.0.0.1:5000":null},"signed":0}')
    assert.equal(warning, undefined)
    assert.deepEqual(fileAuth(config, '127.0.0.1:5000'), {email: undefined, identitytoken: undefined, password: undefined, registrytoken: undefined, serveraddress: '127.0.0.1:5000', username: undefined})
  })

  it('warns in Go\'s words and uses no credentials when a field has the wrong type (an auth of -1 was a TypeError)', async () => {
    const {config, warning} = await load('{"auths":{"127.0.0.1:5000":{"auth":-1,"email":"e@x"}}}')
    assert.deepEqual(config, {})
    assert.equal(warning, `WARNING: Error parsing config file (${join(dir, 'config.json')}): json: cannot unmarshal number into Go struct field ConfigFile.auths.auth of type string`)
    assert.match((await load('{"credHelpers":{"x":[]}}')).warning ?? '', /cannot unmarshal array into Go struct field ConfigFile.credHelpers of type string/)
  })

  it('takes no entry or helper from the prototype', async () => {
    const {config} = await load('{"auths":{}}')
    assert.deepEqual(fileAuth(config, 'toString'), {serveraddress: 'toString'})
    assert.equal(helperFor({credHelpers: {}}, 'constructor'), undefined)
  })
})

describe('a credential helper\'s answer (credential-helper-answer fuzz target)', () => {
  it('refuses a ServerURL that is not a string', () => {
    assert.throws(() => parseGetAnswer('{"ServerURL":[[1]],"Username":"u","Secret":"s"}', 'x', 'https://r'), HelperError)
    assert.deepEqual(parseGetAnswer('{"ServerURL":null,"Username":"u","Secret":"s"}', 'x', 'https://r'), {Secret: 's', ServerURL: 'https://r', Username: 'u'})
  })
})
