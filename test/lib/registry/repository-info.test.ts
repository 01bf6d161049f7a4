import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {parseNormalizedNamed} from '../../../src/lib/reference/parse.js'
import {hubAuthKey, repositoryInfo} from '../../../src/lib/registry/repository-info.js'

describe('repositoryInfo', () => {
  it('puts official images on Docker Hub under the v1 credentials key', () => {
    assert.deepEqual(repositoryInfo(parseNormalizedNamed('nginx')), {authKey: hubAuthKey, indexName: 'docker.io', insecure: false, official: true, officialRepository: true})
  })

  it('knows a user repository on Hub is not an official image', () => {
    const info = repositoryInfo(parseNormalizedNamed('someorg/tool'))
    assert.equal(info.official, true)
    assert.equal(info.officialRepository, false)
    assert.equal(info.authKey, hubAuthKey)
  })

  it('keys other registries by host[:port] as written', () => {
    assert.equal(repositoryInfo(parseNormalizedNamed('registry.example.com:5000/a')).authKey, 'registry.example.com:5000')
    assert.equal(repositoryInfo(parseNormalizedNamed('registry.example.com/a')).insecure, false)
  })

  it('treats loopback registries as insecure, as dockerd does by default', () => {
    for (const name of ['localhost:5000/a', 'localhost/a', '127.0.0.1:5000/a', '127.1.2.3/a', '[::1]:5000/a']) {
      assert.equal(repositoryInfo(parseNormalizedNamed(name)).insecure, true, name)
    }

    assert.equal(repositoryInfo(parseNormalizedNamed('10.0.0.1:5000/a')).insecure, false)
  })
})
