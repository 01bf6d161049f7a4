// SCTs on a real cosign v3 image bundle (sigstore-rs's bundle_v03.json, whose Fulcio certificate embeds
// an SCT by the public-good CT log), checked against a root whose CT log has another key under the same
// log ID: the SCT then cannot verify, as a forged one cannot. cosign refuses it, unless
// --insecure-ignore-sct, with which cosign and sigstore-go look at no SCT (test/e2e/keyless-ct.test.ts).
import assert from 'node:assert/strict'
import {generateKeyPairSync} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {toTrustMaterial} from '@sigstore/verify'
import {verifySigstore, type SigstoreRules} from '../../../src/lib/signature/sigstore.js'
import {parseTrustedRoot} from '../../../src/lib/signature/trusted-root.js'

const fixtures = join(import.meta.dirname, '../../fixtures/sigstore')
const trust = toTrustMaterial(parseTrustedRoot(readFileSync(join(fixtures, 'public-good/trusted_root.json'), 'utf8')))
const candidate = {bundle: readFileSync(join(fixtures, 'sigstore-rs/bundle_v03.json')), format: 'bundle'} as const
const digest = 'sha256:c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50172'
const identity = {issuer: {exact: 'https://token.actions.githubusercontent.com'}, san: {exact: 'https://github.com/kubewarden/kubewarden-controller/.github/workflows/release.yml@refs/tags/v1.34.0'}}
const otherKey = generateKeyPairSync('ec', {namedCurve: 'P-256'}).publicKey
const ctLogsRekeyed = {...trust, ctlogs: trust.ctlogs.map((log) => ({...log, publicKey: otherKey}))}
const rules = (extra: Partial<SigstoreRules>): SigstoreRules => ({identity, requireSct: true, requireTlog: true, trust, ...extra})

describe('embedded SCTs', () => {
  it('verify against the root\'s CT log', () => {
    assert.equal(verifySigstore(candidate, digest, rules({})).stage, 'signed')
  })

  it('an SCT the CT log\'s key did not sign is refused, whether SCTs are required (cosign) or not (a policy)', () => {
    for (const requireSct of [true, false]) {
      const result = verifySigstore(candidate, digest, rules({requireSct, trust: ctLogsRekeyed}))
      assert.deepEqual(result, {format: 'bundle', reason: 'a signature that does not verify: SCT verification failed', stage: 'unsigned'}, `requireSct ${requireSct}`)
    }
  })

  it('with cosign\'s --insecure-ignore-sct, SCTs are not looked at: that one is accepted, and the rest is still checked', () => {
    const ignoring = rules({ignoreSct: true, requireSct: false, trust: ctLogsRekeyed})
    const result = verifySigstore(candidate, digest, ignoring)
    assert.equal(result.stage, 'signed', JSON.stringify(result))
    assert.equal(verifySigstore(candidate, digest, {...ignoring, trust: {...ctLogsRekeyed, certificateAuthorities: []}}).stage, 'unsigned')
    assert.equal(verifySigstore(candidate, `sha256:${'0'.repeat(64)}`, ignoring).stage, 'other-subject')
  })
})
