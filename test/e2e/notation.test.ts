// dkr's Notary Project verifier against the real `notation verify`, on images the real `notation sign`
// signed in the stack's registry with certificates made in the run: the same verdict in every case.
import assert from 'node:assert/strict'
import {readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {after, before, describe, it} from 'node:test'
import {loadNotationConfig} from '../../src/lib/notation/config.js'
import {verifyNotation, type NotationVerdict} from '../../src/lib/notation/verify.js'
import {corruptJws, crane, NotationHome, TestRegistry} from '../helpers/notation.js'
import {issue, makeSelfSigned, pem, type Issued} from '../helpers/pki.js'
import {stack} from '../helpers/stack.js'

const run = Date.now().toString(36)
let home: NotationHome
let registry: TestRegistry
let ca: Issued
/** When the leaf of the `expiring` image stops being valid. */
let expiringUntil: number

const subject = '/C=US/ST=WA/L=Seattle/O=Acme/CN=dkr e2e signer'
const identity = 'x509.subject: C=US, ST=WA, O=Acme'

function repo(name: string): string {
  return `notation-e2e/${run}/${name}`
}

/** An unsigned copy of a demo image in a repository of its own; its digest. */
async function image(name: string, source = 'demo/small:1.0'): Promise<string> {
  await crane(['copy', '--insecure', `${stack.registry}/${source}`, `${stack.registry}/${repo(name)}:1`])
  return crane(['digest', '--insecure', `${stack.registry}/${repo(name)}:1`])
}

function statement(name: string, repositories: string[], extra: Record<string, unknown> = {}) {
  return {name, registryScopes: repositories.map((one) => `${stack.registry}/${repo(one)}`), signatureVerification: {level: 'strict'}, trustStores: ['ca:acme', 'ca:dkr-test'], trustedIdentities: [identity], ...extra}
}

interface Comparison {
  ours: NotationVerdict
  notation: {code: number | null; output: string}
}

/** Both verifiers on `name@digest` under the current policy. */
async function compare(name: string, digest: string): Promise<Comparison> {
  const target = await registry.manifest(repo(name), digest)
  assert.ok(target, `${repo(name)}@${digest} is in the registry`)
  const signatures = await registry.notarySignatures(repo(name), digest)
  const ours = verifyNotation({config: loadNotationConfig(home.dir), repository: `${stack.registry}/${repo(name)}`, signatures, target: target.descriptor})
  const result = await home.verify(`${stack.registry}/${repo(name)}@${digest}`)
  return {notation: {code: result.code, output: `${result.stdout}${result.stderr}`.trim()}, ours}
}

function assertSameVerdict(comparison: Comparison, verified: boolean, reason?: RegExp): void {
  const {notation, ours} = comparison
  assert.equal(notation.code === 0, verified, `notation verify: ${notation.output}`)
  assert.equal(ours.outcome, verified ? 'verified' : 'refused', JSON.stringify(ours))
  if (reason && ours.outcome === 'refused') assert.match(ours.reason, reason)
  // Both must have looked at the same signatures: notation finding none when dkr found some means the
  // case did not test what it says.
  if (ours.outcome === 'refused' && !/no Notary signature/.test(ours.reason)) assert.doesNotMatch(notation.output, /no signature is associated/)
}

before(async () => {
  registry = new TestRegistry(stack.registry)
  home = new NotationHome()
  const pki = join(home.dir, 'pki')
  ca = makeSelfSigned(pki, 'acme-root', '/C=US/ST=WA/O=Acme/CN=Acme Root')
  const other = makeSelfSigned(pki, 'other-root', '/C=US/ST=WA/O=Acme/CN=Untrusted Root')
  const chain = (leaf: Issued, root: Issued) => `${readFileSync(leaf.certPath, 'utf8')}${pem(root.der)}`
  const rsa = issue(pki, 'rsa-leaf', ca, subject)
  const ec = issue(pki, 'ec-leaf', ca, subject, {keyType: 'ec-384'})
  const rsa4096 = issue(pki, 'rsa4096-leaf', ca, subject, {keyType: 'rsa-4096'})
  const p521 = issue(pki, 'p521-leaf', ca, subject, {keyType: 'ec-521'})
  const stranger = issue(pki, 'stranger-leaf', other, subject)
  expiringUntil = Date.now() + 8000
  const expiring = issue(pki, 'expiring-leaf', ca, subject, {end: new Date(expiringUntil)})
  home.addKey('rsa', rsa.keyPath, chain(rsa, ca))
  home.addKey('ec', ec.keyPath, chain(ec, ca))
  home.addKey('rsa4096', rsa4096.keyPath, chain(rsa4096, ca))
  home.addKey('p521', p521.keyPath, chain(p521, ca))
  home.addKey('stranger', stranger.keyPath, chain(stranger, other))
  home.addKey('expiring', expiring.keyPath, chain(expiring, ca))
  home.trust('acme', 'acme-root.crt', ca.certPath)
  // notation's own quickstart certificate: self-signed, in the trust store under its name.
  const generated = await home.run(['cert', 'generate-test', 'dkr-test'])
  assert.equal(generated.code, 0, generated.stderr)
  const expiringDigest = await image('expiring')
  await home.sign(`${stack.registry}/${repo('expiring')}@${expiringDigest}`, 'expiring')
})

after(() => rmSync(home.dir, {force: true, recursive: true}))

describe('notation: the same verdict as `notation verify`', () => {
  it('verifies JWS signatures by an openssl CA\'s RSA 2048/4096 and ECDSA P-384/P-521 leaves, and by notation\'s generate-test certificate', async () => {
    const names = ['rsa', 'ec', 'rsa4096', 'p521', 'generated']
    home.writePolicy([statement('acme', names, {trustedIdentities: [identity, 'x509.subject: C=US, ST=WA, O=Notary']})])
    for (const name of names) {
      const key = name === 'generated' ? 'dkr-test' : name
      const digest = await image(name)
      await home.sign(`${stack.registry}/${repo(name)}@${digest}`, key)
      const comparison = await compare(name, digest)
      assertSameVerdict(comparison, true)
      assert.equal(comparison.ours.outcome === 'verified' && comparison.ours.signer, name === 'generated' ? 'C=US, ST=WA, L=Seattle, O=Notary, CN=dkr-test' : 'C=US, ST=WA, L=Seattle, O=Acme, CN=dkr e2e signer')
    }
  })

  it('verifies COSE signatures (RSA and ECDSA leaves) and refuses a corrupted one', async () => {
    home.writePolicy([statement('acme', ['cose-rsa', 'cose-ec', 'cose-corrupted'])])
    for (const [name, key] of [['cose-rsa', 'rsa'], ['cose-ec', 'ec']]) {
      const digest = await image(name)
      await home.sign(`${stack.registry}/${repo(name)}@${digest}`, key, 'cose')
      const signatures = await registry.notarySignatures(repo(name), digest)
      assert.deepEqual(signatures.map((signature) => signature.envelopeMediaType), ['application/cose'])
      assertSameVerdict(await compare(name, digest), true)
    }

    const [good] = await registry.notarySignatures(repo('cose-ec'), await image('cose-ec'))
    const bytes = Buffer.from(good.envelope)
    bytes[bytes.length - 5] ^= 0x01 // inside the signature, the envelope's last item
    const digest = await image('cose-corrupted')
    await registry.pushSignature(repo('cose-corrupted'), digest, bytes, 'application/cose')
    assertSameVerdict(await compare('cose-corrupted', digest), false, /integrity validation failed: the signature does not verify/)
  })

  it('verifies a signed multi-platform index, and an image signed with both cosign and notation', async () => {
    home.writePolicy([statement('acme', ['multi', 'both'])])
    const index = await image('multi', 'demo/multi:1.0')
    await home.sign(`${stack.registry}/${repo('multi')}@${index}`, 'rsa')
    const target = await registry.manifest(repo('multi'), index)
    assert.equal(target?.descriptor.mediaType, 'application/vnd.oci.image.index.v1+json')
    assertSameVerdict(await compare('multi', index), true)
    const digest = await image('both')
    await home.cosignSign(`${stack.registry}/${repo('both')}@${digest}`)
    await home.sign(`${stack.registry}/${repo('both')}@${digest}`, 'ec')
    assert.equal((await registry.referrers(repo('both'), digest)).length, 2, 'the cosign bundle and the notation signature share the referrers index')
    assertSameVerdict(await compare('both', digest), true)
  })

  it('refuses an unsigned image', async () => {
    home.writePolicy([statement('acme', ['unsigned'])])
    assertSameVerdict(await compare('unsigned', await image('unsigned')), false, /no Notary signature/)
  })

  it('refuses a leaf from a second CA that is not in the trust store under strict; both accept it under audit', async () => {
    const digest = await image('stranger')
    await home.sign(`${stack.registry}/${repo('stranger')}@${digest}`, 'stranger')
    home.writePolicy([statement('acme', ['stranger'])])
    assertSameVerdict(await compare('stranger', digest), false, /authenticity validation failed: the signing certificate chain does not lead to a certificate in ca:acme, ca:dkr-test/)
    home.writePolicy([statement('acme', ['stranger'], {signatureVerification: {level: 'audit'}})])
    const audited = await compare('stranger', digest)
    assertSameVerdict(audited, true)
    assert.match(audited.ours.warnings.join('\n'), /authenticity validation failed with validation action set to "logged"/)
  })

  it('refuses a subject that matches no trusted identity', async () => {
    const digest = await image('identity')
    await home.sign(`${stack.registry}/${repo('identity')}@${digest}`, 'rsa')
    home.writePolicy([statement('acme', ['identity'], {trustedIdentities: ['x509.subject: C=US, ST=WA, O=Someone Else']})])
    assertSameVerdict(await compare('identity', digest), false, /matches no trusted identity/)
  })

  it('refuses a signature whose payload is for another digest', async () => {
    const signedDigest = await image('swapped')
    await home.sign(`${stack.registry}/${repo('swapped')}@${signedDigest}`, 'rsa')
    await crane(['copy', '--insecure', `${stack.registry}/demo/app:1.1`, `${stack.registry}/${repo('swapped')}:2`])
    const other = await registry.manifest(repo('swapped'), '2')
    assert.ok(other)
    await registry.moveSignature(repo('swapped'), signedDigest, other.descriptor)
    home.writePolicy([statement('acme', ['swapped'])])
    assertSameVerdict(await compare('swapped', other.descriptor.digest), false, /the signature is for another artifact \(sha256:/)
  })

  it('refuses a signature copied with its image into a repository outside the policy\'s scope', async () => {
    const digest = await image('origin')
    await home.sign(`${stack.registry}/${repo('origin')}@${digest}`, 'rsa')
    for (const tag of ['1', digest.replace(':', '-')]) await crane(['copy', '--insecure', `${stack.registry}/${repo('origin')}:${tag}`, `${stack.registry}/${repo('copied')}:${tag}`])
    home.writePolicy([statement('acme', ['origin'])])
    assertSameVerdict(await compare('origin', digest), true)
    assertSameVerdict(await compare('copied', digest), false, /no notation trust policy statement applies to .*\/copied/)
  })

  it('follows the policy\'s scopes: a global statement covers the copy too, skip passes an unsigned image, a missing store refuses', async () => {
    const digest = await image('scoped')
    await home.sign(`${stack.registry}/${repo('scoped')}@${digest}`, 'rsa')
    for (const tag of ['1', digest.replace(':', '-')]) await crane(['copy', '--insecure', `${stack.registry}/${repo('scoped')}:${tag}`, `${stack.registry}/${repo('scoped-copy')}:${tag}`])
    home.writePolicy([{...statement('everything', []), registryScopes: ['*']}])
    assertSameVerdict(await compare('scoped-copy', digest), true)
    home.writePolicy([statement('acme', ['scoped'], {trustStores: ['ca:nowhere']}), {name: 'unsigned', registryScopes: [`${stack.registry}/${repo('skipped')}`], signatureVerification: {level: 'skip'}}])
    assertSameVerdict(await compare('scoped', digest), false, /the trust store "nowhere" of type "ca" does not exist/)
    const skipped = await compare('skipped', await image('skipped'))
    assert.equal(skipped.notation.code, 0, skipped.notation.output)
    assert.equal(skipped.ours.outcome, 'skipped')
  })

  it('ignores the unsigned thumbprint annotation, as notation does: a wrong one changes neither verdict', async () => {
    const digest = await image('thumbprint-source')
    await home.sign(`${stack.registry}/${repo('thumbprint-source')}@${digest}`, 'rsa')
    const [good] = await registry.notarySignatures(repo('thumbprint-source'), digest)
    await image('thumbprint')
    await registry.pushSignature(repo('thumbprint'), digest, good.envelope, 'application/jose+json', {'io.cncf.notary.x509chain.thumbprint#S256': JSON.stringify(['0'.repeat(64)])})
    home.writePolicy([statement('acme', ['thumbprint'])])
    assertSameVerdict(await compare('thumbprint', digest), true)
  })

  it('refuses a corrupted signature', async () => {
    const digest = await image('corrupted-source')
    await home.sign(`${stack.registry}/${repo('corrupted-source')}@${digest}`, 'rsa')
    const [good] = await registry.notarySignatures(repo('corrupted-source'), digest)
    await image('corrupted')
    await registry.pushSignature(repo('corrupted'), digest, corruptJws(good.envelope), 'application/jose+json')
    home.writePolicy([statement('acme', ['corrupted'])])
    assertSameVerdict(await compare('corrupted', digest), false, /integrity validation failed: the signature does not verify/)
  })

  it('refuses a signature whose leaf has expired under strict; both accept it under permissive', async () => {
    const wait = expiringUntil + 1500 - Date.now()
    if (wait > 0) await sleep(wait)
    const digest = (await registry.manifest(repo('expiring'), '1'))!.descriptor.digest
    home.writePolicy([statement('acme', ['expiring'])])
    assertSameVerdict(await compare('expiring', digest), false, /authenticTimestamp validation failed: certificate "C=US, ST=WA, L=Seattle, O=Acme, CN=dkr e2e signer" is not valid now/)
    home.writePolicy([statement('acme', ['expiring'], {signatureVerification: {level: 'permissive'}})])
    assertSameVerdict(await compare('expiring', digest), true)
  })
})
