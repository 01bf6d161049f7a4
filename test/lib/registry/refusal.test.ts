import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {DkrError, EngineResponseError} from '../../../src/lib/errors.js'
import {isRefusal} from '../../../src/lib/registry/refusal.js'

describe('isRefusal', () => {
  it('recognises the refusals engines really send, whatever the status code', () => {
    for (const text of [
      'Head "http://127.0.0.1:5001/v2/private/app/manifests/1.0": no basic auth credentials',
      'unauthorized: authentication required',
      "pull access denied for nosuch, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
      'denied: requested access to the resource is denied',
      'authentication is required',
    ]) {
      assert.ok(isRefusal(new EngineResponseError(500, text)), text)
      assert.ok(isRefusal(new DkrError(text)), text)
    }

    assert.ok(isRefusal(new EngineResponseError(401, 'anything')))
  })

  it('leaves other failures alone', () => {
    for (const text of ['manifest for x:nope not found: manifest unknown: manifest unknown', 'unknown blob', 'Cannot connect to the Docker daemon at unix:///x. Is the docker daemon running?']) {
      assert.equal(isRefusal(new DkrError(text)), false, text)
    }
  })
})
