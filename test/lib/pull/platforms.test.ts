import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {indexPlatforms, mergePlatformResults, pickPlatform, platformList} from '../../../src/lib/pull/platforms.js'
import type {PullResult} from '../../../src/lib/pull/run-pull.js'

const digest = (n: number) => `sha256:${String(n).repeat(64)}`

describe('platforms', () => {
  it('--platform: repeated and comma-separated values as one list, without repeats or blanks', () => {
    assert.deepEqual(platformList(['linux/amd64,linux/arm64', ' linux/arm/v7 ', 'linux/amd64', '']), ['linux/amd64', 'linux/arm64', 'linux/arm/v7'])
    assert.deepEqual(platformList([]), [])
  })

  it("an index's platforms, attestation manifests left out", () => {
    const document = {
      manifests: [
        {digest: digest(1), mediaType: 'm', platform: {architecture: 'amd64', os: 'linux'}, size: 1},
        {digest: digest(2), mediaType: 'm', platform: {architecture: 'arm', os: 'linux', variant: 'v7'}, size: 1},
        {annotations: {'vnd.docker.reference.type': 'attestation-manifest'}, digest: digest(3), mediaType: 'm', platform: {architecture: 'unknown', os: 'unknown'}, size: 1},
      ],
    }
    assert.deepEqual(indexPlatforms(document), [{digest: digest(1), platform: 'linux/amd64'}, {digest: digest(2), platform: 'linux/arm/v7'}])
  })

  it('an index whose manifests are no array, or whose entries are no objects or lack strings, names no platform (fuzz: platforms)', () => {
    const wrong = [{manifests: 'x'}, {manifests: {length: 2}}, {manifests: [null, 1, 'x', {digest: 1, platform: {architecture: 'amd64', os: 'linux'}}, {digest: digest(1), platform: {architecture: ['amd64'], os: {toString: 1}}}]}]
    for (const document of wrong) assert.deepEqual(indexPlatforms(document as never), [])
    assert.deepEqual(indexPlatforms({manifests: [{digest: digest(2), platform: {architecture: 'arm', os: 'linux', variant: 7}}]} as never), [{digest: digest(2), platform: 'linux/arm'}])
  })

  it('picks as the engines do: os and architecture, the variant when both name one', () => {
    const entries = [{digest: digest(1), platform: 'linux/amd64'}, {digest: digest(2), platform: 'linux/arm/v6'}, {digest: digest(3), platform: 'linux/arm/v7'}, {digest: digest(4), platform: 'linux/arm64/v8'}]
    assert.equal(pickPlatform(entries, 'linux/arm/v7')?.digest, digest(3))
    assert.equal(pickPlatform(entries, 'linux/arm64')?.digest, digest(4))
    assert.equal(pickPlatform(entries, 'linux/amd64')?.digest, digest(1))
    assert.equal(pickPlatform(entries, 'linux/s390x'), undefined)
  })

  it("merges a name's platform pulls into one result: every platform, the strongest status, the first failure", () => {
    const base = {attempts: 1, bytes: 10, digest: digest(9), durationMs: 100, reference: 'r/x:1'}
    const results: PullResult[] = [
      {...base, platforms: [{digest: digest(1), platform: 'linux/amd64'}], status: 'up to date'},
      {...base, attempts: 2, durationMs: 300, platforms: [{digest: digest(2), platform: 'linux/arm64'}], status: 'downloaded'},
    ]
    assert.deepEqual(mergePlatformResults(results), {...base, attempts: 2, bytes: 20, durationMs: 300, platforms: [{digest: digest(1), platform: 'linux/amd64'}, {digest: digest(2), platform: 'linux/arm64'}], status: 'downloaded'})
    const failed = mergePlatformResults([results[0], {...base, error: 'no matching manifest', status: 'failed'}])
    assert.deepEqual([failed.status, failed.error], ['failed', 'no matching manifest'])
  })
})
