// The default trusted root through TUF (@sigstore/tuf) against a TUF repository served on loopback:
// fetched and cached under $XDG_CACHE_HOME/dkr, used from the cache when the repository is gone, and
// with neither, one line naming --trusted-root.
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync, utimesSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {publicGoodRoot, refreshedMarker, tufCachePath, tufCacheValidityMs} from '../../../src/lib/signature/public-good.js'
import {TufRepository} from '../../helpers/tuf-repo.js'

const trustedRoot = readFileSync(join(import.meta.dirname, '../../fixtures/sigstore/public-good/trusted_root.json'))

describe('the public-good trusted root through TUF', () => {
  const repository = new TufRepository(trustedRoot)
  const cache = mkdtempSync(join(tmpdir(), 'dkr-tuf-cache-'))
  const env = () => ({DKR_SIGSTORE_TUF_ROOT: repository.rootPath, DKR_SIGSTORE_TUF_URL: repository.url, XDG_CACHE_HOME: cache})
  before(() => repository.start())
  after(() => repository.stop())

  it('fetches the TrustedRoot target and caches the metadata under $XDG_CACHE_HOME/dkr', async () => {
    const root = await publicGoodRoot(env())
    assert.deepEqual(root.tlogs.map((log) => log.baseUrl), ['https://rekor.sigstore.dev', 'https://log2025-1.rekor.sigstore.dev'])
    assert.equal(tufCachePath(env()), join(cache, 'dkr', 'sigstore-tuf'))
    assert.ok(existsSync(join(cache, 'dkr', 'sigstore-tuf')))
  })

  it('within a day of a refresh, uses the cache without asking the repository, as sigstore-go (cosign) does', async () => {
    const asked = repository.requests.length
    const root = await publicGoodRoot(env())
    assert.equal(root.certificateAuthorities.length > 0, true)
    assert.deepEqual(repository.requests.slice(asked), [])
    // A day later it asks again (the timestamp at least).
    const dayAgo = new Date(Date.now() - tufCacheValidityMs - 60_000)
    utimesSync(refreshedMarker(tufCachePath(env()), repository.url), dayAgo, dayAgo)
    await publicGoodRoot(env())
    assert.ok(repository.requests.slice(asked).includes('/timestamp.json'), repository.requests.slice(asked).join(' '))
  })

  it('uses the cache when the repository cannot be reached', async () => {
    const reachable = env()
    const dayAgo = new Date(Date.now() - tufCacheValidityMs - 60_000)
    utimesSync(refreshedMarker(tufCachePath(reachable), repository.url), dayAgo, dayAgo)
    await repository.stop()
    const root = await publicGoodRoot(reachable, 2_000)
    assert.equal(root.certificateAuthorities.length > 0, true)
  })

  it('with no repository and no cache, says so in one line naming --trusted-root', async () => {
    const emptyCache = mkdtempSync(join(tmpdir(), 'dkr-tuf-empty-'))
    await assert.rejects(publicGoodRoot({...env(), XDG_CACHE_HOME: emptyCache}, 2_000), (error: Error) => {
      assert.match(error.message, /^cannot get Sigstore's trusted root through TUF from http:\/\/127\.0\.0\.1:\d+ \(.+\) and no usable copy is cached: when offline, give --trusted-root FILE \(a TrustedRoot JSON\)$/)
      return true
    })
  })
})
