// parseTrustedRoot on hostile TrustedRoot JSON: each problem is one Error naming it (loadTrustedRoot
// adds the file), never a TypeError. Inputs the fuzz target `trusted-root` found.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {parseTrustedRoot} from '../../../src/lib/signature/trusted-root.js'

describe('parseTrustedRoot', () => {
  it('refuses a mediaType that is no string, even one JSON made unprintable (fuzz: trusted-root)', () => {
    for (const mediaType of [{toString: 1}, {toString: 1, valueOf: 1}, ['application/vnd.dev.sigstore.trustedroot.v0.2+json'], 1, null]) {
      assert.throws(
        () => parseTrustedRoot(JSON.stringify({certificateAuthorities: [], mediaType, tlogs: null})),
        (error: Error) => Object.getPrototypeOf(error) === Error.prototype && /^mediaType .* is not a Sigstore TrustedRoot$/.test(error.message),
      )
    }
  })

  it('refuses JSON nested deeper than a root is before walking it (fuzz: trusted-root found a RangeError on a mediaType nested thousands deep)', () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000)
    assert.throws(() => parseTrustedRoot(`{"mediaType":${deep},"tlogs":[]}`), (error: Error) => Object.getPrototypeOf(error) === Error.prototype && error.message === 'nested more than 64 deep')
  })

  it('refuses a bytes field given as {"length":1e9} at once, not after allocating a gigabyte (fuzz: trusted-root, one input took 43 s)', () => {
    const root = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/sigstore/public-good/trusted_root.json'), 'utf8')) as {tlogs: {logId: {keyId: unknown}}[]}
    root.tlogs[0].logId.keyId = {length: 1e9}
    const started = process.cpuUsage()
    assert.throws(() => parseTrustedRoot(JSON.stringify(root)), {message: 'a field named "length", which no TrustedRoot has'})
    assert.ok(process.cpuUsage(started).user < 1_000_000)
  })
})
