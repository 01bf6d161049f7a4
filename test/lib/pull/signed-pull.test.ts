// The line a terminal shows for each verified image: the keyless signer and its log entry, the key, or
// notation's signer.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {signerLines} from '../../../src/lib/pull/signed-pull.js'

describe('signer lines', () => {
  it('name the keyless signer and the log time, the key, or the notation signer', () => {
    assert.deepEqual(
      signerLines([
        {check: 'cosign', digest: 'sha256:1', reference: 'r.example/app:1', requirement: 'identity …', signatures: [{format: 'bundle', logEntry: {integratedTime: '2026-12-03T10:00:00.000Z', logID: 'ab', logIndex: '7'}, signer: {issuer: 'https://token.actions.githubusercontent.com', san: 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main'}}], verified: true},
        {policy: '/p.json', reference: 'r.example/app:1', scope: 'default', signatures: [{format: 'simplesigning', key: '/k.pub', keyType: 'ecdsa-p256'}], verified: true},
        {check: 'notation', digest: 'sha256:1', level: 'strict', policy: '/t.json', reference: 'r.example/app:1', scope: 's', signer: 'CN=acme', verified: true, warnings: []},
      ]),
      [
        'r.example/app:1: signed by https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main (https://token.actions.githubusercontent.com), logged 2026-12-03T10:00:00.000Z',
        'r.example/app:1: signed by key /k.pub',
        'r.example/app:1: signed by CN=acme (notation)',
      ],
    )
  })
})
