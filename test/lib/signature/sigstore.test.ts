// The sigstore layer on a real cosign v3 image bundle (sigstore-rs's bundle_v03.json: GitHub Actions
// identity, Rekor entry with inclusion proof and SET, RFC 3161 timestamp), cosign's identity matching,
// and what it refuses: another digest, another workflow, a missing log entry, untrusted intermediates;
// and how a signature is dated as cosign dates it (sigstore-conformance's Rekor v2 bundles too).
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {bundleFromJSON} from '@sigstore/bundle'
import {toTrustMaterial} from '@sigstore/verify'
import type {Candidate} from '../../../src/lib/signature/cosign.js'
import {compileRegexp, verifyBundle, verifySigstore, withIntermediates, type CertificateIdentity, type SigstoreRules, type TrustRoots} from '../../../src/lib/signature/sigstore.js'
import {parseTrustedRoot} from '../../../src/lib/signature/trusted-root.js'

const fixtures = join(import.meta.dirname, '../../fixtures/sigstore')
const root = parseTrustedRoot(readFileSync(join(fixtures, 'public-good/trusted_root.json'), 'utf8'))
const trust = toTrustMaterial(root)
const bundleBytes = readFileSync(join(fixtures, 'sigstore-rs/bundle_v03.json'))
const candidate: Candidate = {bundle: bundleBytes, format: 'bundle'}
const digest = 'sha256:c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50172'
const workflow = 'https://github.com/kubewarden/kubewarden-controller/.github/workflows/release.yml@refs/tags/v1.34.0'
const actions = 'https://token.actions.githubusercontent.com'

const rules = (identity: CertificateIdentity, extra: Partial<SigstoreRules> = {}): SigstoreRules => ({identity, requireSct: root.ctlogs.length > 0, requireTlog: true, trust, ...extra})
const exact = (san: string, issuer = actions): CertificateIdentity => ({issuer: {exact: issuer}, san: {exact: san}})

describe('sigstore-rs bundle_v03.json (a real cosign v3 image bundle)', () => {
  it('verifies for its digest and workflow identity, naming the signer, the log entry and the timestamp', () => {
    const result = verifySigstore(candidate, digest, rules(exact(workflow)))
    assert.equal(result.stage, 'signed')
    if (result.stage !== 'signed') return
    assert.deepEqual([result.signer.san, result.signer.issuer, result.signer.format], [workflow, actions, 'bundle'])
    assert.match(result.signer.logEntry?.logID ?? '', /^[0-9a-f]{64}$/)
    assert.match(result.signer.logEntry?.integratedTime ?? '', /^20\d\d-/)
    // The timestamp's own time, just after the log's.
    assert.match(result.signer.timestamp ?? '', /^20\d\d-/)
    assert.ok(Math.abs(Date.parse(result.signer.timestamp!) - Date.parse(result.signer.logEntry!.integratedTime!)) < 60_000, result.signer.timestamp)
  })

  it('without a timestamp authority in the root, leaves the RFC 3161 timestamp aside when the log entry dates the signature, as cosign does', () => {
    const result = verifySigstore(candidate, digest, rules(exact(workflow), {trust: {...trust, timestampAuthorities: []}}))
    assert.equal(result.stage, 'signed')
    if (result.stage === 'signed') assert.deepEqual([result.signer.timestamp, typeof result.signer.logEntry?.integratedTime], [undefined, 'string'])
  })

  it('refuses it for another digest', () => {
    const result = verifySigstore(candidate, `sha256:${'0'.repeat(64)}`, rules(exact(workflow)))
    assert.deepEqual(result, {format: 'bundle', reason: 'a bundle signed for another digest', stage: 'other-subject'})
  })

  it('matches an exact identity as the whole string only', () => {
    const result = verifySigstore(candidate, digest, rules(exact('https://github.com/kubewarden/kubewarden-controller/.github/workflows/release.yml')))
    assert.deepEqual(result, {format: 'bundle', reason: `a signature by ${workflow}, not https://github.com/kubewarden/kubewarden-controller/.github/workflows/release.yml`, stage: 'other-signer'})
  })

  it('matches regular expressions anywhere in the value, as cosign (Go MatchString) does', () => {
    const regexp = (san: string, issuer = actions) => verifySigstore(candidate, digest, rules({issuer: {regexp: compileRegexp(issuer, 'issuer')}, san: {regexp: compileRegexp(san, 'identity')}})).stage
    assert.equal(regexp('kubewarden/kubewarden-controller/'), 'signed')
    assert.equal(regexp('^https://github\\.com/kubewarden/.*@refs/tags/v1\\.'), 'signed')
    assert.equal(regexp('^https://github\\.com/sigstore/'), 'other-signer')
    assert.equal(regexp('kubewarden', '^https://accounts\\.google\\.com$'), 'other-signer')
    assert.equal(regexp('(?i)KUBEWARDEN-CONTROLLER'), 'signed')
  })

  it('refuses a wrong OIDC issuer', () => {
    const result = verifySigstore(candidate, digest, rules(exact(workflow, 'https://github.com/login/oauth')))
    assert.equal(result.stage === 'signed' ? '' : result.reason, `a signature by ${workflow} from issuer ${actions}, not https://github.com/login/oauth`)
  })

  it('refuses it under a root without its CA, and with the log entry removed', () => {
    assert.match(JSON.stringify(verifySigstore(candidate, digest, rules(exact(workflow), {trust: {...trust, certificateAuthorities: []}}))), /does not verify/)
    const document = JSON.parse(bundleBytes.toString()) as {verificationMaterial: {tlogEntries: unknown[]}}
    document.verificationMaterial.tlogEntries = []
    const noLog = verifySigstore({bundle: Buffer.from(JSON.stringify(document)), format: 'bundle'}, digest, rules(exact(workflow)))
    assert.equal(noLog.stage === 'signed' ? '' : noLog.reason, 'a signature with no transparency log entry')
  })

  it('refuses a key where a certificate identity is required, and a certificate where a key is', () => {
    const keyless = verifySigstore(candidate, digest, rules(exact(workflow), {identity: undefined, keys: []}))
    assert.equal(keyless.stage === 'signed' ? '' : keyless.reason, 'a keyless signature, where a key was required')
  })
})

describe("dating a keyless signature as cosign does (SigstoreRules.signingTime)", () => {
  const conformance = join(fixtures, 'conformance')
  /** A sigstore-conformance Rekor v2 case (message signature over a.txt) under `signingTime` 'log', cosign's default. */
  const rekorV2 = (name: string, withoutTsa = false) => {
    const dir = join(conformance, 'bundle-verify', name)
    const caseTrust = toTrustMaterial(parseTrustedRoot(readFileSync(join(dir, 'trusted_root.json'), 'utf8')))
    const identity = exact('https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main')
    const bundle = bundleFromJSON(JSON.parse(readFileSync(join(dir, 'bundle.sigstore.json'), 'utf8')))
    return verifyBundle(bundle, readFileSync(join(conformance, 'a.txt')), {identity, requireSct: false, requireTlog: true, signingTime: 'log', trust: withoutTsa ? {...caseTrust, timestampAuthorities: []} : caseTrust})
  }

  it('a bundle whose entries are all Rekor v2 (no integrated time) is dated by its RFC 3161 timestamp, as cosign turns --use-signed-timestamps on for it', () => {
    const result = rekorV2('rekor2-happy-path')
    assert.equal(result.stage, 'signed', JSON.stringify(result))
    if (result.stage === 'signed') assert.deepEqual([/^20\d\d-\d\d-\d\dT/.test(result.signer.timestamp ?? ''), result.signer.logEntry?.integratedTime], [true, undefined])
  })

  it('refuses that bundle when the root has no timestamp authority, and a Rekor v2 entry with no timestamp', () => {
    assert.deepEqual(rekorV2('rekor2-happy-path', true), {format: 'bundle', reason: 'an RFC 3161 timestamp, and the trusted root has no timestamp authority to check it', stage: 'unsigned'})
    assert.deepEqual(rekorV2('rekor2-no-timestamp_fail'), {format: 'bundle', reason: 'a Rekor v2 log entry (which has no integrated time) and no RFC 3161 timestamp to date the signature', stage: 'unsigned'})
  })

  it('--use-signed-timestamps (signingTime timestamp) requires an RFC 3161 timestamp even beside a Rekor v1 entry', () => {
    assert.equal(verifySigstore(candidate, digest, rules(exact(workflow), {signingTime: 'timestamp'})).stage, 'signed')
    const document = JSON.parse(bundleBytes.toString()) as {verificationMaterial: {timestampVerificationData: {rfc3161Timestamps: unknown[]}}}
    document.verificationMaterial.timestampVerificationData.rfc3161Timestamps = []
    const untimed = verifySigstore({bundle: Buffer.from(JSON.stringify(document)), format: 'bundle'}, digest, rules(exact(workflow), {signingTime: 'timestamp'}))
    assert.equal(untimed.stage === 'signed' ? '' : untimed.reason, 'a signature with no RFC 3161 timestamp, which --use-signed-timestamps requires')
    assert.equal(verifySigstore({bundle: Buffer.from(JSON.stringify(document)), format: 'bundle'}, digest, rules(exact(workflow), {signingTime: 'log'})).stage, 'signed')
  })

  it('--insecure-ignore-tlog (signingTime now) checks the certificate at the current time: a real Fulcio certificate, valid ten minutes in 2025, is refused', () => {
    const result = verifySigstore(candidate, digest, rules(exact(workflow), {requireTlog: false, signingTime: 'now'}))
    assert.deepEqual(result.stage === 'signed' ? '' : result.reason, 'a signature that does not verify: Failed to verify certificate chain (certificate is not valid or expired at the specified date), checked at the current time (--insecure-ignore-tlog)')
  })
})

describe('cosign-style regular expressions', () => {
  it('refuses what RE2 does not accept: lookaround and backreferences', () => {
    assert.throws(() => compileRegexp('^(?=x)', '--certificate-identity-regexp'), /--certificate-identity-regexp: lookaround and backreferences are not RE2 syntax/)
    assert.throws(() => compileRegexp('(a)\\1', '--certificate-identity-regexp'), /not RE2 syntax/)
    assert.throws(() => compileRegexp('(', '--certificate-identity-regexp'), {message: /^--certificate-identity-regexp: /})
  })
})

describe('intermediates carried by a signature', () => {
  it('join the trust material only when a trusted certificate signed them', () => {
    const chain = readFileSync(join(fixtures, 'containers-image/fulcio-chain'), 'utf8')
    const fulcioRoot = parseTrustedRoot(readFileSync(join(fixtures, 'public-good/trusted_root.json'), 'utf8'))
    const material = toTrustMaterial(fulcioRoot)
    const sizes = (t: TrustRoots) => t.certificateAuthorities.map((ca) => ca.certChain.length)
    // fulcio-chain is [intermediate, root] of the 2022 Fulcio: the intermediate is already in the root's
    // chain, so nothing is added; a foreign self-signed chain adds nothing either.
    assert.deepEqual(sizes(withIntermediates(material, chain)), sizes(material))
    const foreign = readFileSync(join(fixtures, 'containers-image/pki_intermediate_crts.pem'), 'utf8') + readFileSync(join(fixtures, 'containers-image/pki_root_crts.pem'), 'utf8')
    assert.deepEqual(sizes(withIntermediates(material, foreign)), sizes(material))
    const rootOnly = {...material, certificateAuthorities: material.certificateAuthorities.map((ca) => ({...ca, certChain: ca.certChain.slice(-1)}))}
    assert.ok(sizes(withIntermediates(rootOnly, chain)).some((n, i) => n > sizes(rootOnly)[i]), 'the Fulcio intermediate signed by a trusted root joins')
  })
})

describe('hostile bundles', () => {
  it('refuses a bundle with a bytes field given as {"length":1e9} at once, not after allocating a gigabyte (fuzz: sigstore-signature, one input took 44 s)', () => {
    const document = JSON.parse(bundleBytes.toString('utf8')) as {verificationMaterial: {tlogEntries: {logId: {keyId: unknown}}[]}}
    document.verificationMaterial.tlogEntries[0].logId.keyId = {length: 1e9}
    const started = process.cpuUsage()
    const result = verifySigstore({bundle: Buffer.from(JSON.stringify(document)), format: 'bundle'}, digest, {identity: {issuer: {regexp: /.*/u}, san: {regexp: /.*/u}}, requireSct: false, requireTlog: true, trust})
    assert.deepEqual(result, {format: 'bundle', reason: 'a damaged signature (a field named "length", which no bundle has)', stage: 'unsigned'})
    assert.ok(process.cpuUsage(started).user < 1_000_000)
  })
})
