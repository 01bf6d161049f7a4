// cosign's two formats checked with each key type: DSSE over PAE (bundle v0.3), signatures over the
// simple-signing payload bytes (legacy), and what a signature for something else is refused as.
import assert from 'node:assert/strict'
import {generateKeyPairSync, sign, type KeyObject} from 'node:crypto'
import {describe, it} from 'node:test'
import {checkCandidate, cosignPredicateType, pae, type Candidate} from '../../../src/lib/signature/cosign.js'
import {loadPublicKey, type PublicKey} from '../../../src/lib/signature/keys.js'

const digest = `sha256:${'1'.repeat(64)}`
const other = `sha256:${'2'.repeat(64)}`

interface Pair {
  name: string
  privateKey: KeyObject
  publicKey: PublicKey
  hash: string | null
}

function pair(name: string, generated: {privateKey: KeyObject; publicKey: KeyObject}, hash: string | null): Pair {
  return {hash, name, privateKey: generated.privateKey, publicKey: loadPublicKey(Buffer.from(generated.publicKey.export({format: 'pem', type: 'spki'}).toString()), name)}
}

const pairs = [
  pair('ecdsa-p256', generateKeyPairSync('ec', {namedCurve: 'P-256'}), 'sha256'),
  pair('ecdsa-p384', generateKeyPairSync('ec', {namedCurve: 'P-384'}), 'sha384'),
  pair('ecdsa-p521', generateKeyPairSync('ec', {namedCurve: 'P-521'}), 'sha512'),
  pair('rsa', generateKeyPairSync('rsa', {modulusLength: 2048}), 'sha256'),
  pair('ed25519', generateKeyPairSync('ed25519'), null),
]

const statement = (subjectDigest: string, predicateType = cosignPredicateType) => Buffer.from(JSON.stringify({_type: 'https://in-toto.io/Statement/v1', predicate: {}, predicateType, subject: [{digest: {sha256: subjectDigest.split(':')[1]}}]}))

function bundle(signer: Pair, payload: Buffer, payloadType = 'application/vnd.in-toto+json'): Candidate {
  const sig = sign(signer.hash, pae(payloadType, payload), signer.privateKey).toString('base64')
  const document = {dsseEnvelope: {payload: payload.toString('base64'), payloadType, signatures: [{sig}]}, mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', verificationMaterial: {publicKey: {hint: signer.publicKey.hint}}}
  return {bundle: Buffer.from(JSON.stringify(document)), format: 'bundle'}
}

const simplePayload = (signedDigest: string, identity = 'r.example/app') => Buffer.from(JSON.stringify({critical: {identity: {'docker-reference': identity}, image: {'docker-manifest-digest': signedDigest}, type: 'cosign container image signature'}, optional: null}))

function legacy(signer: Pair, payload: Buffer): Candidate {
  return {annotations: {}, format: 'simplesigning', payload, signature: sign(signer.hash, payload, signer.privateKey).toString('base64')}
}

describe('cosign signatures', () => {
  it("encodes DSSE's PAE as the specification's example", () => {
    assert.equal(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString(), 'DSSEv1 29 http://example.com/HelloWorld 11 hello world')
  })

  for (const signer of pairs) {
    it(`accepts a bundle and a legacy signature by a ${signer.name} key, and names the key`, () => {
      const fromBundle = checkCandidate(bundle(signer, statement(digest)), digest, [signer.publicKey])
      assert.deepEqual([fromBundle.stage, fromBundle.format, fromBundle.stage === 'signed' && fromBundle.key.kind], ['signed', 'bundle', signer.name])
      const fromLegacy = checkCandidate(legacy(signer, simplePayload(digest)), digest, [signer.publicKey])
      assert.deepEqual([fromLegacy.stage, fromLegacy.stage === 'signed' && fromLegacy.identity], ['signed', 'r.example/app'])
    })
  }

  it('accepts an ECDSA P-384 signature made with SHA-256 too (cosign 2 and containers/image sign so)', () => {
    const p384 = pairs[1]
    assert.equal(checkCandidate(legacy({...p384, hash: 'sha256'}, simplePayload(digest)), digest, [p384.publicKey]).stage, 'signed')
  })

  it('refuses a signature by a key the policy does not accept', () => {
    const [p256, , , rsa] = pairs
    assert.deepEqual(checkCandidate(bundle(p256, statement(digest)), digest, [rsa.publicKey]), {format: 'bundle', reason: 'a bundle signed by none of the accepted keys', stage: 'unsigned'})
    assert.equal(checkCandidate(legacy(p256, simplePayload(digest)), digest, [rsa.publicKey]).stage, 'unsigned')
  })

  it('refuses a corrupted signature or payload', () => {
    const [p256] = pairs
    const good = legacy(p256, simplePayload(digest)) as Extract<Candidate, {format: 'simplesigning'}>
    const flipped = Buffer.from(good.signature, 'base64')
    flipped[10] ^= 1
    assert.equal(checkCandidate({...good, signature: flipped.toString('base64')}, digest, [p256.publicKey]).stage, 'unsigned')
    assert.equal(checkCandidate({...good, payload: simplePayload(other)}, digest, [p256.publicKey]).stage, 'unsigned')
    assert.equal(checkCandidate({bundle: Buffer.from('{"mediaType":'), format: 'bundle'}, digest, [p256.publicKey]).stage, 'unsigned')
  })

  it('refuses signatures for another digest, another predicate, or a payload that is not a statement', () => {
    const [p256] = pairs
    const reason = (candidate: Candidate) => {
      const checked = checkCandidate(candidate, digest, [p256.publicKey])
      return checked.stage === 'signed' ? 'signed' : `${checked.stage}: ${checked.reason}`
    }

    assert.equal(reason(bundle(p256, statement(other))), 'other-subject: a bundle signed for another digest')
    assert.equal(reason(bundle(p256, statement(digest, 'https://slsa.dev/provenance/v1'))), 'other-subject: a bundle for predicate https://slsa.dev/provenance/v1, not a cosign signature')
    assert.equal(reason(bundle(p256, statement(digest), 'text/plain')), 'other-subject: a bundle whose payload is not an in-toto statement')
    assert.equal(reason(legacy(p256, simplePayload(other))), `other-subject: a signature for another digest (${other})`)
  })

  it('reads keys cosign writes and refuses what is not a public key', () => {
    const {privateKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'})
    assert.throws(() => loadPublicKey(Buffer.from(privateKey.export({format: 'pem', type: 'pkcs8'}).toString()), 'x'), /not a PEM public key/)
    const weak = generateKeyPairSync('rsa', {modulusLength: 1024}).publicKey.export({format: 'pem', type: 'spki'}).toString()
    assert.throws(() => loadPublicKey(Buffer.from(weak), 'x'), /shorter than 2048 bits/)
    const secp256k1 = generateKeyPairSync('ec', {namedCurve: 'secp256k1'}).publicKey.export({format: 'pem', type: 'spki'}).toString()
    assert.throws(() => loadPublicKey(Buffer.from(secp256k1), 'x'), /unsupported ECDSA curve secp256k1/)
  })
})
