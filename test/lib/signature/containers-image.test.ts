// containers/image's own expectations (signature/policy_eval_sigstore_test.go,
// TestPRrSigstoreSignedIsSignatureAccepted) on its real vectors: a public-good keyless legacy signature
// from December 2022 (Fulcio certificate for mitr@redhat.com, Rekor SET), read through dkr's policy
// parser and checked by dkr's policy evaluation. Fixtures: test/fixtures/sigstore/containers-image.
import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {copyFileSync, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {toTrustMaterial} from '@sigstore/verify'
import type {Candidate} from '../../../src/lib/signature/cosign.js'
import {parseNormalizedNamed} from '../../../src/lib/reference/parse.js'
import {parsePolicy} from '../../../src/lib/signature/policy.js'
import {parseTrustedRoot} from '../../../src/lib/signature/trusted-root.js'
import {verifySigstore, type SigstoreRules} from '../../../src/lib/signature/sigstore.js'
import {checkSigstore, type VerifiedSignature} from '../../../src/lib/signature/verify.js'

const vectors = join(import.meta.dirname, '../../fixtures/sigstore/containers-image')
const dir = mkdtempSync(join(tmpdir(), 'dkr-cimage-'))
for (const file of ['fulcio_v1.crt.pem', 'rekor.pub', 'cosign.pub', 'cosign2.pub', 'pki_root_crts.pem', 'pki_intermediate_crts.pem']) copyFileSync(join(vectors, file), join(dir, file))
// The real certificate embeds an SCT from the public-good CT log: sigstore-js checks it against the
// root's CT logs (containers/image does not check SCTs at all).
const ctlogs = toTrustMaterial(parseTrustedRoot(readFileSync(join(import.meta.dirname, '../../fixtures/sigstore/public-good/trusted_root.json'), 'utf8'))).ctlogs

/** A `dir:` signature file: `\0sigstore-json\n` then {mimeType, payload, annotations}. */
function signatureFile(image: string): {candidate: Extract<Candidate, {format: 'simplesigning'}>; digest: string} {
  const bytes = readFileSync(join(vectors, image, 'signature-1'))
  const prefix = '\0sigstore-json\n'
  assert.equal(bytes.subarray(0, prefix.length).toString(), prefix)
  const document = JSON.parse(bytes.subarray(prefix.length).toString()) as {payload: string; annotations: Record<string, string>}
  const digest = `sha256:${createHash('sha256').update(readFileSync(join(vectors, image, 'manifest.json'))).digest('hex')}`
  return {candidate: {annotations: document.annotations, format: 'simplesigning', payload: Buffer.from(document.payload, 'base64'), signature: document.annotations['dev.cosignproject.cosign/signature']}, digest}
}

const fulcioImage = signatureFile('dir-img-cosign-fulcio-rekor-valid')
const intended = parseNormalizedNamed('192.168.64.2:5000/cosign-signed/fulcio-rekor-1')
const fulcio = {caPath: 'fulcio_v1.crt.pem', oidcIssuer: 'https://github.com/login/oauth', subjectEmail: 'mitr@redhat.com'}
const matchRepository = {type: 'matchRepository'}

async function evaluate(requirement: object, candidate: Candidate = fulcioImage.candidate, digest = fulcioImage.digest): Promise<VerifiedSignature> {
  const policy = await parsePolicy(JSON.stringify({default: [{signedIdentity: matchRepository, type: 'sigstoreSigned', ...requirement}]}), join(dir, 'policy.json'))
  const [parsed] = policy.requirementsFor(intended).requirements
  assert.equal(parsed.type, 'sigstoreSigned')
  return checkSigstore(parsed as Extract<typeof parsed, {type: 'sigstoreSigned'}>, intended, digest, {candidates: [candidate], damaged: []}, ctlogs)
}

const without = (name: string): Candidate => {
  const annotations = {...fulcioImage.candidate.annotations}
  delete annotations[name]
  return {...fulcioImage.candidate, annotations}
}

const withAnnotation = (name: string, value: string): Candidate => ({...fulcioImage.candidate, annotations: {...fulcioImage.candidate.annotations, [name]: value}})

describe('containers/image fulcio + Rekor expectations', () => {
  it('accepts the public-good keyless signature with fulcio and rekorPublicKeyPath, naming the signer and the log entry', async () => {
    const verified = await evaluate({fulcio, rekorPublicKeyPath: 'rekor.pub'})
    assert.deepEqual(verified.signer, {issuer: 'https://github.com/login/oauth', san: 'mitr@redhat.com'})
    assert.equal(verified.identity, '192.168.64.2:5000/cosign-signed/fulcio-rekor-1')
    const integratedTime = (JSON.parse(fulcioImage.candidate.annotations['dev.sigstore.cosign/bundle']) as {Payload: {integratedTime: number}}).Payload.integratedTime
    assert.equal(verified.logEntry?.integratedTime, new Date(integratedTime * 1000).toISOString())
    assert.match(verified.logEntry?.logID ?? '', /^c0d23d6a/)
  })

  it('accepts with the Rekor key in a list, first or second', async () => {
    await evaluate({fulcio, rekorPublicKeyPaths: ['rekor.pub', 'cosign.pub']})
    await evaluate({fulcio, rekorPublicKeyPaths: ['cosign.pub', 'rekor.pub']})
  })

  it('accepts without the chain annotation when the intermediates are trusted as caData', async () => {
    const caData = Buffer.concat([readFileSync(join(vectors, 'fulcio-chain')), readFileSync(join(vectors, 'fulcio_v1.crt.pem'))]).toString('base64')
    await evaluate({fulcio: {...fulcio, caData, caPath: undefined}, rekorPublicKeyPath: 'rekor.pub'}, without('dev.sigstore.cosign/chain'))
  })

  const set = fulcioImage.candidate.annotations['dev.sigstore.cosign/bundle']
  for (const [label, candidate, reason] of [
    ['the SET missing', without('dev.sigstore.cosign/bundle'), /no transparency log entry/],
    ['the certificate missing', without('dev.sigstore.cosign/certificate'), /made with a key, not a certificate/],
    ['the chain missing', without('dev.sigstore.cosign/chain'), /does not verify: .*certificate/i],
    ['an invalid certificate', withAnnotation('dev.sigstore.cosign/certificate', '-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n'), /a damaged certificate/],
    ['an invalid SET', withAnnotation('dev.sigstore.cosign/bundle', set.replace(/"SignedEntryTimestamp":"[A-Za-z0-9+/]{4}/, '"SignedEntryTimestamp":"AAAA')), /does not verify: inclusion promise could not be verified/],
  ] as const) {
    it(`refuses it with ${label}`, async () => {
      await assert.rejects(evaluate({fulcio, rekorPublicKeyPath: 'rekor.pub'}, candidate), (error: Error) => {
        assert.match(error.message, reason)
        return true
      })
    })
  }

  it('refuses a genuine SET of the same log for another signature (it dates the certificate wrongly, and names another body)', async () => {
    const otherSet = signatureFile('dir-img-cosign-key-rekor-valid').candidate.annotations['dev.sigstore.cosign/bundle']
    await assert.rejects(evaluate({fulcio, rekorPublicKeyPath: 'rekor.pub'}, withAnnotation('dev.sigstore.cosign/bundle', otherSet)), /does not verify: .*(not valid|mismatch)/i)
  })

  it('refuses another email, naming the signer it found', async () => {
    await assert.rejects(evaluate({fulcio: {...fulcio, subjectEmail: 'someone@example.com'}, rekorPublicKeyPath: 'rekor.pub'}), /found a signature by mitr@redhat\.com, not someone@example\.com/)
  })

  it('refuses another OIDC issuer', async () => {
    await assert.rejects(evaluate({fulcio: {...fulcio, oidcIssuer: 'https://accounts.google.com'}, rekorPublicKeyPath: 'rekor.pub'}), /from issuer https:\/\/github\.com\/login\/oauth, not https:\/\/accounts\.google\.com/)
  })

  it('refuses cosign.pub given as the Rekor key', async () => {
    await assert.rejects(evaluate({fulcio, rekorPublicKeyPath: 'cosign.pub'}), /does not verify/)
  })

  it('refuses a signature for another digest', async () => {
    await assert.rejects(evaluate({fulcio, rekorPublicKeyPath: 'rekor.pub'}, fulcioImage.candidate, `sha256:${'0'.repeat(64)}`), /a signature for another digest/)
  })

  it('refuses fulcio without a Rekor key when the policy is read', async () => {
    await assert.rejects(evaluate({fulcio}), /fulcio needs a Rekor public key/)
  })

  it('refuses the certificate when the root has no CT log to check its SCT against', async () => {
    const policy = await parsePolicy(JSON.stringify({default: [{fulcio, rekorPublicKeyPath: 'rekor.pub', signedIdentity: matchRepository, type: 'sigstoreSigned'}]}), join(dir, 'policy.json'))
    const [parsed] = policy.requirementsFor(intended).requirements
    assert.throws(() => checkSigstore(parsed as Extract<typeof parsed, {type: 'sigstoreSigned'}>, intended, fulcioImage.digest, {candidates: [fulcioImage.candidate], damaged: []}, []), /SCT verification failed: no CT log to check the certificate's SCT against \(give --trusted-root FILE/)
  })
})

describe('the chain annotation: containers/image takes its intermediates, cosign 3 with a trusted root does not', () => {
  // Sigstore's public-good root with each CA's chain cut down to its root: the signature's Fulcio
  // intermediate is then only in its chain annotation.
  const publicGood = toTrustMaterial(parseTrustedRoot(readFileSync(join(import.meta.dirname, '../../fixtures/sigstore/public-good/trusted_root.json'), 'utf8')))
  const rootsOnly = {...publicGood, certificateAuthorities: publicGood.certificateAuthorities.map((ca) => ({...ca, certChain: ca.certChain.slice(-1)}))}
  const rules = (carriedIntermediates: boolean): SigstoreRules => ({carriedIntermediates, identity: {issuer: {exact: fulcio.oidcIssuer}, san: {exact: fulcio.subjectEmail}}, requireSct: false, requireTlog: true, trust: rootsOnly})

  it('completes the path to a trusted root with the carried intermediate under containers/image\'s rules', () => {
    assert.equal(verifySigstore(fulcioImage.candidate, fulcioImage.digest, rules(true)).stage, 'signed')
  })

  it('leaves it aside under cosign\'s flags, refusing the certificate as cosign verify --trusted-root and sigstore-go do', () => {
    const result = verifySigstore(fulcioImage.candidate, fulcioImage.digest, rules(false))
    assert.deepEqual(result, {format: 'simplesigning', reason: 'a signature that does not verify: Failed to verify certificate chain (no valid certificate path found)', stage: 'unsigned'})
  })
})

describe('containers/image keyed signature with a Rekor SET', () => {
  const keyed = signatureFile('dir-img-cosign-key-rekor-valid')
  const keyedIntended = parseNormalizedNamed(JSON.parse(keyed.candidate.payload.toString()).critical.identity['docker-reference'])
  const evaluateKeyed = async (requirement: object) => {
    const policy = await parsePolicy(JSON.stringify({default: [{signedIdentity: matchRepository, type: 'sigstoreSigned', ...requirement}]}), join(dir, 'policy.json'))
    const [parsed] = policy.requirementsFor(keyedIntended).requirements
    return checkSigstore(parsed as Extract<typeof parsed, {type: 'sigstoreSigned'}>, keyedIntended, keyed.digest, {candidates: [keyed.candidate], damaged: []})
  }

  it('accepts it with its key and the Rekor key, naming the log entry', async () => {
    const verified = await evaluateKeyed({keyPath: 'cosign2.pub', rekorPublicKeyPath: 'rekor.pub'})
    assert.deepEqual([verified.key, verified.keyType], [join(dir, 'cosign2.pub'), 'ecdsa-p256'])
    assert.match(verified.logEntry?.logID ?? '', /^c0d23d6a/)
  })

  it('refuses it with the wrong Rekor key or the wrong signing key', async () => {
    await assert.rejects(evaluateKeyed({keyPath: 'cosign2.pub', rekorPublicKeyPath: 'cosign.pub'}), /does not verify: .*inclusion promise|does not verify: .*tlog/)
    await assert.rejects(evaluateKeyed({keyPath: 'cosign.pub', rekorPublicKeyPath: 'rekor.pub'}), /does not verify: signature verification failed/)
  })
})

describe('containers/image pki expectations', () => {
  const pkiImage = signatureFile('dir-img-cosign-pki-valid')
  const pkiIntended = parseNormalizedNamed('localhost:5000/test')
  const evaluatePki = async (pki: object, candidate: Candidate = pkiImage.candidate) => {
    const policy = await parsePolicy(JSON.stringify({default: [{pki, signedIdentity: matchRepository, type: 'sigstoreSigned'}]}), join(dir, 'policy.json'))
    const [parsed] = policy.requirementsFor(pkiIntended).requirements
    return checkSigstore(parsed as Extract<typeof parsed, {type: 'sigstoreSigned'}>, pkiIntended, pkiImage.digest, {candidates: [candidate], damaged: []})
  }

  const noChain: Candidate = {...pkiImage.candidate, annotations: Object.fromEntries(Object.entries(pkiImage.candidate.annotations).filter(([name]) => name !== 'dev.sigstore.cosign/chain'))}

  it('accepts the signature with roots and intermediates, by email and by hostname', async () => {
    const verified = await evaluatePki({caIntermediatesPath: 'pki_intermediate_crts.pem', caRootsPath: 'pki_root_crts.pem', subjectEmail: 'qiwan@redhat.com'})
    assert.deepEqual([verified.format, verified.identity], ['simplesigning', 'localhost:5000/test'])
    await evaluatePki({caRootsPath: 'pki_root_crts.pem', subjectHostname: 'myhost.example.com'})
  })

  it('accepts it without the chain annotation when the intermediates are configured', async () => {
    await evaluatePki({caIntermediatesData: readFileSync(join(vectors, 'pki_intermediate_crts.pem')).toString('base64'), caRootsPath: 'pki_root_crts.pem', subjectEmail: 'qiwan@redhat.com'}, noChain)
  })

  it('refuses it with neither the chain annotation nor configured intermediates', async () => {
    await assert.rejects(evaluatePki({caRootsPath: 'pki_root_crts.pem', subjectEmail: 'qiwan@redhat.com'}, noChain), /a certificate that does not chain to the policy's roots/)
  })

  it('refuses another email or hostname, and other roots', async () => {
    await assert.rejects(evaluatePki({caRootsPath: 'pki_root_crts.pem', subjectEmail: 'someone@example.com'}), /a certificate without the email someone@example\.com/)
    await assert.rejects(evaluatePki({caRootsPath: 'pki_root_crts.pem', subjectHostname: 'other.example.com'}), /a certificate without the hostname other\.example\.com/)
    await assert.rejects(evaluatePki({caRootsPath: 'fulcio_v1.crt.pem', subjectEmail: 'qiwan@redhat.com'}), /does not chain to the policy's roots/)
  })

  it('refuses it for another digest', async () => {
    const policy = await parsePolicy(JSON.stringify({default: [{pki: {caRootsPath: 'pki_root_crts.pem', subjectEmail: 'qiwan@redhat.com'}, signedIdentity: matchRepository, type: 'sigstoreSigned'}]}), join(dir, 'policy.json'))
    const [parsed] = policy.requirementsFor(pkiIntended).requirements
    assert.throws(() => checkSigstore(parsed as Extract<typeof parsed, {type: 'sigstoreSigned'}>, pkiIntended, `sha256:${'0'.repeat(64)}`, {candidates: [pkiImage.candidate], damaged: []}), /a signature for another digest/)
  })
})
