// parseTrustedRoot on hostile TrustedRoot JSON: each problem is one Error naming it (loadTrustedRoot
// adds the file), never a TypeError. Inputs the fuzz target `trusted-root` found.
import assert from 'node:assert/strict'
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
})
