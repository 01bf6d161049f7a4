// Envelopes the fuzzer (test/fuzz/targets.ts: jws, cose) built, signed with the signer's own key as an
// attacker would, that reached past the signature check and threw something other than EnvelopeError.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {verifyCose} from '../../../src/lib/notation/cose.js'
import {EnvelopeError} from '../../../src/lib/notation/envelope.js'
import {verifyJws} from '../../../src/lib/notation/jws.js'
import {signCose, signJws, type JwsOptions} from '../../helpers/notation-envelope.js'
import {codeSigningLeaf, issue, makeSelfSigned} from '../../helpers/pki.js'

const dir = mkdtempSync(join(tmpdir(), 'dkr-envelope-'))
after(() => rmSync(dir, {force: true, recursive: true}))
const ca = makeSelfSigned(dir, 'ca', '/C=US/ST=WA/O=Fuzz/CN=CA', {keyType: 'ec-256'})
const leaf = issue(dir, 'leaf', ca, '/C=US/ST=WA/O=Fuzz/CN=Signer', {extensions: codeSigningLeaf, keyType: 'ec-256'})
const options: JwsOptions = {algorithm: 'ES256', chain: [leaf.der, ca.der], keyPem: leaf.keyPem, target: {digest: `sha256:${'a'.repeat(64)}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 7}}

function refusal(verify: () => unknown): string {
  try {
    verify()
  } catch (error) {
    assert.ok(error instanceof EnvelopeError, `an EnvelopeError, not ${String(error)}`)
    return error.message
  }

  return assert.fail('the envelope was accepted')
}

describe('envelopes the fuzzer found', () => {
  it('refuses a JWS whose "alg" is an object that cannot become a string', () => {
    // String({toString: 1}) was a TypeError.
    assert.equal(refusal(() => verifyJws(signJws({...options, headers: {alg: {toString: 1}}}))), 'the "alg" header is not a string')
  })

  it('refuses a JWS whose content type is nested deeper than JSON.stringify goes, in one line', () => {
    // Quoting the content type in the refusal was a stack overflow (RangeError); now the depth is refused first.
    const headers = {alg: 'ES256', crit: ['io.cncf.notary.signingScheme'], 'io.cncf.notary.signingScheme': 'notary.x509', 'io.cncf.notary.signingTime': '2026-01-01T00:00:00Z'}
    const deep = '['.repeat(100_000) + ']'.repeat(100_000)
    const protectedJson = JSON.stringify(headers).replace(/}$/, `,"cty":${deep}}`)
    assert.equal(refusal(() => verifyJws(signJws({...options, protectedJson}))), 'the protected header is nested more than 64 deep')
    const shallow = JSON.stringify(headers).replace(/}$/, ',"cty":[[1]]}')
    assert.equal(refusal(() => verifyJws(signJws({...options, protectedJson: shallow}))), 'unsupported payload content type an array')
  })

  it('refuses a COSE envelope whose leaf certificate holds a key OpenSSL cannot decode', () => {
    // The EC point's first byte (0x04, uncompressed) made 0x05, which no encoding uses: the certificate parses, its key does not.
    const spki = leaf.der.indexOf(Buffer.from('034200', 'hex'))
    const broken = Buffer.from(leaf.der)
    broken[spki + 3] = 0x05
    assert.equal(refusal(() => verifyCose(signCose({algorithm: 'ES256', chain: [broken, ca.der], keyPem: leaf.keyPem, target: options.target}))), 'the certificate\'s public key cannot be read')
  })
})
