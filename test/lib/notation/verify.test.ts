import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {loadNotationConfig} from '../../../src/lib/notation/config.js'
import {verifyNotation, type NotationVerdict, type NotarySignature} from '../../../src/lib/notation/verify.js'
import {rfc3339, signCose, signJws, type Algorithm, type Cbor, type JwsOptions} from '../../helpers/notation-envelope.js'
import {caExtensions, issue, makeSelfSigned, pem, type Issued, type KeyType} from '../../helpers/pki.js'

const repository = 'registry.example/team/app'
const target = {digest: `sha256:${'a'.repeat(64)}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1234}
const subject = '/C=US/ST=WA/L=Seattle/O=Acme/OU=Build/CN=Signer'
const identity = 'x509.subject: C=US, ST=WA, O=Acme'

let dir: string
let ca: Issued
let otherCa: Issued
let leaf: Issued

function configWith(statement: Record<string, unknown>) {
  const config = join(dir, `config-${Math.random().toString(36).slice(2)}`)
  mkdirSync(join(config, 'truststore/x509/ca/acme'), {recursive: true})
  mkdirSync(join(config, 'truststore/x509/signingAuthority/acme-sa'), {recursive: true})
  writeFileSync(join(config, 'truststore/x509/ca/acme/root.crt'), ca.der)
  writeFileSync(join(config, 'truststore/x509/signingAuthority/acme-sa/root.pem'), pem(ca.der))
  const policy = {name: 'acme', registryScopes: [repository], signatureVerification: {level: 'strict'}, trustStores: ['ca:acme'], trustedIdentities: [identity], ...statement}
  writeFileSync(join(config, 'trustpolicy.oci.json'), JSON.stringify({trustPolicies: [policy], version: '1.0'}))
  return loadNotationConfig(config)
}

function jws(options: Partial<JwsOptions> = {}): NotarySignature {
  const envelope = signJws({algorithm: 'PS256', chain: [leaf.der, ca.der], keyPem: leaf.keyPem, target, ...options})
  return {digest: 'sha256:sig', envelope, envelopeMediaType: 'application/jose+json'}
}

function cose(options: {headers?: Map<number | string, Cbor | undefined>; algorithm?: Algorithm; signer?: Issued} = {}): NotarySignature {
  const signer = options.signer ?? leaf
  const envelope = signCose({algorithm: options.algorithm ?? 'PS256', chain: [signer.der, ca.der], headers: options.headers, keyPem: signer.keyPem, target})
  return {digest: 'sha256:cose', envelope, envelopeMediaType: 'application/cose'}
}

function verdict(signatures: NotarySignature[], statement: Record<string, unknown> = {}, now?: Date): NotationVerdict {
  return verifyNotation({config: configWith(statement), now, repository, signatures, target})
}

function assertRefused(result: NotationVerdict, pattern: RegExp): void {
  assert.equal(result.outcome, 'refused', JSON.stringify(result))
  if (result.outcome === 'refused') assert.match(result.reason, pattern)
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dkr-notation-'))
  ca = makeSelfSigned(dir, 'ca', '/C=US/ST=WA/O=Acme/CN=Acme Root')
  otherCa = makeSelfSigned(dir, 'other-ca', '/C=US/ST=WA/O=Acme/CN=Impostor Root')
  leaf = issue(dir, 'leaf', ca, subject)
})

after(() => rmSync(dir, {force: true, recursive: true}))

describe('verifyNotation: a valid JWS signature', () => {
  it('verifies under strict, naming the signer, the statement and the signature', () => {
    const result = verdict([jws()])
    assert.deepEqual(result, {level: 'strict', outcome: 'verified', policy: 'acme', signature: 'sha256:sig', signer: 'C=US, ST=WA, L=Seattle, O=Acme, OU=Build, CN=Signer', warnings: []})
  })

  it('verifies every algorithm the spec maps to a key: PS256/384/512 and ES256/384/512', () => {
    const keys: [KeyType, Algorithm][] = [['rsa-3072', 'PS384'], ['rsa-4096', 'PS512'], ['ec-256', 'ES256'], ['ec-384', 'ES384'], ['ec-521', 'ES512']]
    for (const [keyType, algorithm] of keys) {
      const signer = issue(dir, `leaf-${keyType}`, ca, subject, {keyType})
      assert.equal(verdict([jws({algorithm, chain: [signer.der, ca.der], keyPem: signer.keyPem})]).outcome, 'verified', algorithm)
    }
  })

  it('matches a trusted identity that names only some of the subject attributes, or *', () => {
    assert.equal(verdict([jws()], {trustedIdentities: ['x509.subject: C=US, ST=WA, O=Acme, CN=Signer']}).outcome, 'verified')
    assert.equal(verdict([jws()], {trustedIdentities: ['*']}).outcome, 'verified')
  })

  it('takes the first signature that verifies when others do not', () => {
    const bad = jws({target: {...target, digest: `sha256:${'b'.repeat(64)}`}})
    assert.equal(verdict([bad, jws()]).outcome, 'verified')
  })
})

describe('verifyNotation: integrity, enforced at every level', () => {
  it('refuses a corrupted signature', () => {
    const signature = jws()
    const envelope = JSON.parse(signature.envelope.toString()) as {signature: string}
    envelope.signature = `${envelope.signature[0] === 'A' ? 'B' : 'A'}${envelope.signature.slice(1)}`
    assertRefused(verdict([{...signature, envelope: Buffer.from(JSON.stringify(envelope))}], {signatureVerification: {level: 'audit'}}), /integrity validation failed: the signature does not verify/)
  })

  it('refuses an alg header that does not match the leaf key', () => {
    const signer = issue(dir, 'leaf-p384', ca, subject, {keyType: 'ec-384'})
    assertRefused(verdict([jws({algorithm: 'ES256', chain: [signer.der, ca.der], keyPem: signer.keyPem})]), /ES256 does not match the signing certificate's key \(ES384\)/)
  })

  it('fails closed on critical headers it does not process, a missing crit, an unknown scheme or content type', () => {
    assertRefused(verdict([jws({headers: {crit: ['io.cncf.notary.signingScheme', 'com.example.policy'], 'com.example.policy': 'x'}})]), /unsupported critical header "com.example.policy"/)
    assertRefused(verdict([jws({headers: {crit: ['io.cncf.notary.signingScheme', 'io.cncf.notary.verificationPlugin'], 'io.cncf.notary.verificationPlugin': 'com.example.plugin'}})]), /verification plugin/)
    assertRefused(verdict([jws({headers: {crit: undefined}})]), /missing "crit" header/)
    assertRefused(verdict([jws({headers: {'io.cncf.notary.signingScheme': 'notary.x509.v9'}})]), /unsupported signing scheme "notary.x509.v9"/)
    assertRefused(verdict([jws({headers: {cty: 'application/json'}})]), /unsupported payload content type/)
    assertRefused(verdict([jws({headers: {'io.cncf.notary.expiry': '2099-01-01T00:00:00Z'}})]), /required headers are not marked critical: io.cncf.notary.expiry/)
  })

  it('refuses leaves that are not code-signing certificates and chains that do not end at a root', () => {
    const caLeaf = issue(dir, 'leaf-ca', ca, subject, {extensions: 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature,keyCertSign\n'})
    assertRefused(verdict([jws({chain: [caLeaf.der, ca.der], keyPem: caLeaf.keyPem})]), /ca field must be set to false/)
    const tls = issue(dir, 'leaf-tls', ca, subject, {extensions: 'keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n'})
    assertRefused(verdict([jws({chain: [tls.der, ca.der], keyPem: tls.keyPem})]), /must not contain serverAuth/)
    const noUsage = issue(dir, 'leaf-nousage', ca, subject, {extensions: 'extendedKeyUsage=codeSigning\n'})
    assertRefused(verdict([jws({chain: [noUsage.der, ca.der], keyPem: noUsage.keyPem})]), /key usage extension must be present/)
    assertRefused(verdict([jws({chain: [leaf.der]})]), /invalid self-signed certificate/)
    assertRefused(verdict([jws({chain: [leaf.der, otherCa.der]})]), /is not issued by/)
  })

  it('follows a chain through intermediates and holds CAs to basic constraints, key usage and path length', () => {
    const intermediate = issue(dir, 'intermediate', ca, '/C=US/ST=WA/O=Acme/CN=Acme Issuing', {extensions: 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign\n'})
    const signer = issue(dir, 'leaf-via-intermediate', intermediate, subject)
    assert.equal(verdict([jws({chain: [signer.der, intermediate.der, ca.der], keyPem: signer.keyPem})]).outcome, 'verified')
    const second = issue(dir, 'second-intermediate', intermediate, '/C=US/ST=WA/O=Acme/CN=Acme Second', {extensions: caExtensions})
    const deep = issue(dir, 'leaf-too-deep', second, subject)
    assertRefused(verdict([jws({chain: [deep.der, second.der, intermediate.der, ca.der], keyPem: deep.keyPem})]), /expected path length of 1 but certificate has path length 0/)
    const noSign = issue(dir, 'intermediate-nosign', ca, '/C=US/ST=WA/O=Acme/CN=Acme Weak', {extensions: 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature\n'})
    const weakLeaf = issue(dir, 'leaf-under-weak', noSign, subject)
    assertRefused(verdict([jws({chain: [weakLeaf.der, noSign.der, ca.der], keyPem: weakLeaf.keyPem})]), /key cert sign/)
    assertRefused(verdict([jws({chain: [signer.der, ca.der], keyPem: signer.keyPem})]), /is not issued by "C=US, ST=WA, O=Acme, CN=Acme Root"/)
  })

  it('refuses a payload for another artifact even under audit', () => {
    assertRefused(verdict([jws({target: {...target, digest: `sha256:${'b'.repeat(64)}`}})], {signatureVerification: {level: 'audit'}}), /the signature is for another artifact \(sha256:b+\)/)
    assertRefused(verdict([jws({target: {...target, size: 1}})]), /does not match the manifest/)
  })

  it('names the problem of a signature manifest that could not be used', () => {
    const unusable = {digest: 'sha256:odd', envelope: Buffer.alloc(0), envelopeMediaType: '', problem: 'a signature manifest must have exactly one envelope layer, it has 2'}
    assertRefused(verdict([unusable]), /^signature sha256:odd: a signature manifest must have exactly one envelope layer, it has 2$/)
    assert.equal(verdict([unusable, jws()]).outcome, 'verified')
  })

  it('refuses envelope types it does not read', () => {
    assertRefused(verdict([{...jws(), envelopeMediaType: 'application/pgp-signature'}]), /unsupported signature envelope type "application\/pgp-signature"/)
  })
})

describe('verifyNotation: COSE envelopes', () => {
  it('verifies a COSE_Sign1 signature with RSA-PSS and ECDSA leaves', () => {
    assert.equal(verdict([cose()]).outcome, 'verified')
    const ec = issue(dir, 'leaf-cose-ec', ca, subject, {keyType: 'ec-256'})
    assert.equal(verdict([cose({algorithm: 'ES256', signer: ec})]).outcome, 'verified')
  })

  it('refuses a corrupted COSE signature, a mismatched alg, unknown critical labels and a missing chain', () => {
    const good = cose()
    const corrupted = Buffer.from(good.envelope)
    corrupted[corrupted.length - 3] ^= 1
    assertRefused(verdict([{...good, envelope: corrupted}]), /the signature does not verify/)
    assertRefused(verdict([cose({headers: new Map([[1, -7]])})]), /ES256 does not match the signing certificate's key \(PS256\)/)
    assertRefused(verdict([cose({headers: new Map<number | string, Cbor>([[2, ['io.cncf.notary.signingScheme', 4]], [4, Buffer.from('kid')]])})]), /unsupported critical header|marked critical/)
    assertRefused(verdict([cose({headers: new Map([['io.cncf.notary.signingTime', '2026-01-01T00:00:00Z']])})]), /io.cncf.notary.signingTime is not an epoch-based date\/time/)
    assertRefused(verdict([{...good, envelope: good.envelope.subarray(1)}]), /not a tagged COSE_Sign1 message|not valid CBOR/)
  })

  it('refuses a COSE payload for another artifact', () => {
    const other = signCose({algorithm: 'PS256', chain: [leaf.der, ca.der], keyPem: leaf.keyPem, target: {...target, digest: `sha256:${'b'.repeat(64)}`}})
    assertRefused(verdict([{...cose(), envelope: other}]), /the signature is for another artifact/)
  })
})

describe('verifyNotation: authenticity, timestamps, expiry and revocation by level', () => {
  it('refuses a chain to a CA outside the trust store under strict and permissive, logs it under audit', () => {
    const stranger = issue(dir, 'leaf-stranger', otherCa, subject)
    const signature = jws({chain: [stranger.der, otherCa.der], keyPem: stranger.keyPem})
    assertRefused(verdict([signature]), /authenticity validation failed: the signing certificate chain does not lead to a certificate in ca:acme/)
    assertRefused(verdict([signature], {signatureVerification: {level: 'permissive'}}), /authenticity/)
    const audited = verdict([signature], {signatureVerification: {level: 'audit'}})
    assert.equal(audited.outcome, 'verified')
    assert.match(audited.warnings[0], /^authenticity validation failed with validation action set to "logged": /)
  })

  it('refuses a subject that matches no trusted identity', () => {
    assertRefused(verdict([jws()], {trustedIdentities: ['x509.subject: C=US, ST=WA, O=Other']}), /subject "C=US, ST=WA, L=Seattle, O=Acme, OU=Build, CN=Signer" matches no trusted identity/)
  })

  it('refuses an expired leaf under strict and logs it under permissive', () => {
    const expired = issue(dir, 'leaf-expired', ca, subject, {end: new Date('2020-02-01'), start: new Date('2020-01-01')})
    const signature = jws({chain: [expired.der, ca.der], keyPem: expired.keyPem, signingTime: new Date('2020-01-15')})
    assertRefused(verdict([signature]), /authenticTimestamp validation failed: certificate "C=US, ST=WA, L=Seattle, O=Acme, OU=Build, CN=Signer" is not valid now/)
    const permissive = verdict([signature], {signatureVerification: {level: 'permissive'}})
    assert.equal(permissive.outcome, 'verified')
    assert.match(permissive.warnings.join('\n'), /authenticTimestamp validation failed with validation action set to "logged"/)
  })

  it('enforces the signer\'s expiry under strict, logs it under permissive, and an override can change that', () => {
    const expiry = new Date(Date.now() + 86400_000)
    const signature = jws({headers: {crit: ['io.cncf.notary.signingScheme', 'io.cncf.notary.expiry'], 'io.cncf.notary.expiry': rfc3339(expiry)}})
    const now = new Date(Date.now() + 2 * 86400_000)
    assertRefused(verdict([signature], {}, now), /expiry validation failed: the signature expired on /)
    assert.equal(verdict([signature], {signatureVerification: {level: 'permissive'}}, now).outcome, 'verified')
    assert.equal(verdict([signature], {signatureVerification: {level: 'strict', override: {expiry: 'log'}}}, now).outcome, 'verified')
  })

  it('cannot check revocation offline: refuses a revocable chain under strict unless revocation is skipped', () => {
    const revocable = issue(dir, 'leaf-crl', ca, subject, {extensions: 'keyUsage=critical,digitalSignature\ncrlDistributionPoints=URI:http://127.0.0.1:9/crl\n'})
    const signature = jws({chain: [revocable.der, ca.der], keyPem: revocable.keyPem})
    assertRefused(verdict([signature]), /revocation validation failed: the revocation status of certificate .* cannot be checked/)
    assert.equal(verdict([signature], {signatureVerification: {level: 'strict', override: {revocation: 'skip'}}}).outcome, 'verified')
  })

  it('refuses when a tsa trust store asks for a timestamp countersignature dkr cannot verify', () => {
    assertRefused(verdict([jws()], {trustStores: ['ca:acme', 'tsa:acme-tsa']}), /no timestamp countersignature was found/)
  })

  it('verifies the signingAuthority scheme against the signingAuthority store only', () => {
    const headers = {crit: ['io.cncf.notary.signingScheme', 'io.cncf.notary.authenticSigningTime'], 'io.cncf.notary.authenticSigningTime': rfc3339(new Date()), 'io.cncf.notary.signingScheme': 'notary.x509.signingAuthority', 'io.cncf.notary.signingTime': undefined}
    assert.equal(verdict([jws({headers})], {trustStores: ['signingAuthority:acme-sa']}).outcome, 'verified')
    assertRefused(verdict([jws({headers})]), /names no trust store of type signingAuthority/)
  })
})

describe('verifyNotation: before any signature', () => {
  it('skips under the skip level, even with no signature', () => {
    assert.deepEqual(verdict([], {signatureVerification: {level: 'skip'}, trustStores: undefined, trustedIdentities: undefined}), {level: 'skip', outcome: 'skipped', policy: 'acme', warnings: []})
  })

  it('refuses an image with no signature, and a repository no statement covers', () => {
    assertRefused(verdict([]), /no Notary signature is associated with the image/)
    const result = verifyNotation({config: configWith({}), repository: 'registry.example/elsewhere', signatures: [jws()], target})
    assertRefused(result, /^no notation trust policy statement applies to registry.example\/elsewhere \(see registryScopes in .*trustpolicy.oci.json\)$/)
  })

  it('refuses when the named trust store does not exist', () => {
    assertRefused(verdict([jws()], {trustStores: ['ca:missing']}), /the trust store "missing" of type "ca" does not exist/)
  })
})
