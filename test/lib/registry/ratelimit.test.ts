import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {DkrError, EngineResponseError} from '../../../src/lib/errors.js'
import {probeRepository} from '../../../src/lib/pull/run-ratelimit.js'
import {withDefaultTag} from '../../../src/lib/reference/format.js'
import {parseNormalizedNamed} from '../../../src/lib/reference/parse.js'
import {isQuotaRefusal, limitText, rateLimitOf, windowText} from '../../../src/lib/registry/ratelimit.js'
import {registryHost, repositoryInfo} from '../../../src/lib/registry/repository-info.js'

describe('Docker Hub rate-limit headers', () => {
  it("reads Hub's headers: limit, remaining, window and source", () => {
    assert.deepEqual(rateLimitOf({'docker-ratelimit-source': '192.0.2.7', 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '20;w=21600'}), {limit: 100, remaining: 20, source: '192.0.2.7', windowSeconds: 21600})
  })

  it("reads the IETF draft's list form, and a limit without a window or a remaining count", () => {
    assert.deepEqual(rateLimitOf({'ratelimit-limit': '200, 200;w=21600', 'ratelimit-remaining': '199'}), {limit: 200, remaining: 199, windowSeconds: 21600})
    assert.deepEqual(rateLimitOf({'ratelimit-limit': '5000'}), {limit: 5000})
  })

  it('reports none when the registry sends none, or sends nonsense', () => {
    assert.equal(rateLimitOf({}), undefined)
    assert.equal(rateLimitOf({'ratelimit-limit': 'lots'}), undefined)
    assert.equal(rateLimitOf({'docker-ratelimit-source': '192.0.2.7'}), undefined)
  })

  it('words the window and the limit as people read them', () => {
    assert.equal(windowText(21600), '6 hours')
    assert.equal(windowText(3600), '1 hour')
    assert.equal(windowText(60), '1 minute')
    assert.equal(windowText(90), '90 seconds')
    assert.equal(limitText({limit: 100, windowSeconds: 21600}), '100 pulls per 6 hours')
    assert.equal(limitText({limit: 1}), '1 pull')
  })
})

describe('dkr image ratelimit without a name', () => {
  it("asks Docker Hub's registry about its documented probe repository, ratelimitpreview/test:latest", () => {
    const ref = withDefaultTag(parseNormalizedNamed(probeRepository))
    assert.deepEqual([ref.domain, ref.path, ref.tag], ['docker.io', 'ratelimitpreview/test', 'latest'])
    assert.equal(registryHost(repositoryInfo(ref)), 'registry-1.docker.io')
  })
})

describe('isQuotaRefusal', () => {
  const quota = 'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit'
  it("recognises Hub's quota 429 in each engine's words", () => {
    assert.ok(isQuotaRefusal(new EngineResponseError(500, `toomanyrequests: ${quota}`)))
    assert.ok(isQuotaRefusal(new DkrError(`error from registry: ${quota}`)))
    assert.ok(isQuotaRefusal(new DkrError(`initializing source docker://r/x:1: reading manifest 1 in r/x: toomanyrequests: ${quota}`)))
  })

  it('leaves the short abuse 429 and other failures alone', () => {
    assert.equal(isQuotaRefusal(new EngineResponseError(500, 'toomanyrequests: retry-after: 749.975µs, allowed: 44000/minute')), false)
    assert.equal(isQuotaRefusal(new DkrError('unexpected status from HEAD request to http://r/v2/x/manifests/1: 429 Too Many Requests')), false)
    assert.equal(isQuotaRefusal(new DkrError('unknown blob')), false)
  })
})
