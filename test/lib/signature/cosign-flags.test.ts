// cosign's verification flags as `cosign verify` takes them: which combinations are refused (one line
// each, before anything is pulled), and what each valid one requires of a signature.
import assert from 'node:assert/strict'
import {copyFileSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {cosignFlagsGiven, cosignRequirement, type CosignFlags} from '../../../src/lib/signature/cosign-flags.js'

const fixtures = join(import.meta.dirname, '../../fixtures/sigstore')
const dir = mkdtempSync(join(tmpdir(), 'dkr-cosign-flags-'))
const root = join(dir, 'trusted_root.json')
copyFileSync(join(fixtures, 'public-good/trusted_root.json'), root)
const key = join(dir, 'cosign.pub')
copyFileSync(join(fixtures, 'containers-image/cosign.pub'), key)
const noStart = join(dir, 'no-start.json')
const document = JSON.parse(readFileSync(root, 'utf8')) as {tlogs: {publicKey: {validFor: {start?: string}}}[]}
delete document.tlogs[0].publicKey.validFor.start
writeFileSync(noStart, JSON.stringify(document))
// No TUF repository answers here (port 9, discard, is closed on loopback) and the cache is empty.
const offline = {DKR_SIGSTORE_TUF_URL: 'http://127.0.0.1:9/', XDG_CACHE_HOME: join(dir, 'cache')}
const email = {certificateIdentity: 'me@example.com', certificateOidcIssuer: 'https://accounts.example.com'}

describe('cosign flags', () => {
  it('turn verification on only with a key or an identity flag', () => {
    assert.equal(cosignFlagsGiven({trustedRoot: root}), false)
    assert.equal(cosignFlagsGiven({insecureIgnoreTlog: true}), false)
    assert.equal(cosignFlagsGiven({certificateIdentityRegexp: '.'}), true)
    assert.equal(cosignFlagsGiven({key}), true)
  })

  for (const [label, flags, message] of [
    ['an identity without an issuer', {certificateIdentity: 'me@example.com', trustedRoot: root}, 'keyless verification needs --certificate-oidc-issuer or --certificate-oidc-issuer-regexp'],
    ['an issuer without an identity', {certificateOidcIssuer: 'https://i', trustedRoot: root}, 'keyless verification needs --certificate-identity or --certificate-identity-regexp'],
    ['both identity forms', {...email, certificateIdentityRegexp: '.', trustedRoot: root}, '--certificate-identity and --certificate-identity-regexp cannot be used together'],
    ['a regexp RE2 rejects', {certificateIdentityRegexp: '(?=a)', certificateOidcIssuer: 'https://i', trustedRoot: root}, '--certificate-identity-regexp: lookaround and backreferences are not RE2 syntax'],
    ['keyless without a trusted root, offline', email, /^cannot get Sigstore's trusted root through TUF from http:\/\/127\.0\.0\.1:9\/ \(.*\) and no usable copy is cached: when offline, give --trusted-root FILE \(a TrustedRoot JSON\)$/],
    ['a trusted root whose log has no validity start', {...email, trustedRoot: noStart}, `invalid trusted root ${noStart}: tlogs[0] (https://rekor.sigstore.dev) has no validity start`],
    ['a missing trusted root', {...email, trustedRoot: join(dir, 'absent.json')}, `cannot read trusted root ${join(dir, 'absent.json')}: no such file`],
    ['a trusted root that is not one', {...email, trustedRoot: key}, `invalid trusted root ${key}: not JSON`],
    ['a key with an identity', {...email, key, trustedRoot: root}, '--key cannot be used with --certificate-identity or --certificate-oidc-issuer: a key signature has no certificate'],
    ['a key needing a log without a root, offline', {key}, /^cannot get Sigstore's trusted root through TUF .* give --trusted-root FILE/],
    ['a key file that is not a key', {insecureIgnoreTlog: true, key: root}, `--key ${root}: not a PEM public key`],
  ] as [string, CosignFlags, string | RegExp][]) {
    it(`refuse ${label} in one line`, async () => {
      await assert.rejects(cosignRequirement(flags, offline), {message})
    })
  }

  it('keyless: identity and issuer, exact or regexp; a log entry and SCTs required by default, SCTs not looked at with --insecure-ignore-sct', async () => {
    const {requirement, rules} = await cosignRequirement({...email, trustedRoot: root}, offline)
    assert.equal(requirement, 'identity me@example.com issuer https://accounts.example.com')
    assert.deepEqual([rules.requireTlog, rules.requireSct, rules.ignoreSct, rules.keys, rules.signingTime], [true, true, false, undefined, 'log'])
    const regexp = await cosignRequirement({certificateIdentityRegexp: '@example\\.com$', certificateOidcIssuerRegexp: '^https://', insecureIgnoreSct: true, insecureIgnoreTlog: true, trustedRoot: root}, offline)
    assert.equal(regexp.requirement, 'identity /@example\\.com$/ issuer /^https:\\/\\//')
    assert.deepEqual([regexp.rules.requireTlog, regexp.rules.requireSct, regexp.rules.ignoreSct, regexp.rules.signingTime], [false, false, true, 'now'])
  })

  it('keyless: dated as cosign dates it, by the log, by a signed timestamp with --use-signed-timestamps, or now with the log ignored', async () => {
    const signingTime = async (flags: CosignFlags) => (await cosignRequirement({...email, trustedRoot: root, ...flags}, offline)).rules.signingTime
    assert.deepEqual([await signingTime({}), await signingTime({useSignedTimestamps: true}), await signingTime({insecureIgnoreTlog: true}), await signingTime({insecureIgnoreTlog: true, useSignedTimestamps: true})], ['log', 'timestamp', 'now', 'timestamp'])
  })

  it('keyed with --insecure-ignore-tlog needs no trusted root', async () => {
    const {requirement, rules} = await cosignRequirement({insecureIgnoreTlog: true, key}, offline)
    assert.equal(requirement, `key ${key}`)
    assert.deepEqual([rules.keys?.map((k) => k.kind), rules.requireTlog, rules.trust.tlogs.length], [['ecdsa-p256'], false, 0])
  })
})
