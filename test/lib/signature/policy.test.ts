// containers-policy.json parsing and scope precedence; bad files and unsupported requirements.
import assert from 'node:assert/strict'
import {generateKeyPairSync} from 'node:crypto'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {parseNormalizedNamed} from '../../../src/lib/reference/parse.js'
import {loadPolicy, parsePolicy, scopesFor} from '../../../src/lib/signature/policy.js'

const vectors = join(import.meta.dirname, '../../fixtures/sigstore/containers-image')
const dir = mkdtempSync(join(tmpdir(), 'dkr-policy-'))
const pem = generateKeyPairSync('ec', {namedCurve: 'P-256'}).publicKey.export({format: 'pem', type: 'spki'}).toString()
writeFileSync(join(dir, 'k.pub'), pem)
const policyPath = join(dir, 'policy.json')
const parse = (document: unknown) => parsePolicy(JSON.stringify(document), policyPath)
const scopeOf = async (document: unknown, name: string) => (await parse(document)).requirementsFor(parseNormalizedNamed(name)).scope

describe('signature policy', () => {
  it('lists scopes from the most specific: tag, repository, namespaces, registry, wildcards', () => {
    assert.deepEqual(scopesFor(parseNormalizedNamed('reg.example.com:5000/team/app:1.0')), [
      'reg.example.com:5000/team/app:1.0',
      'reg.example.com:5000/team/app',
      'reg.example.com:5000/team',
      'reg.example.com:5000',
      '*.example.com',
      '*.com',
    ])
  })

  it('picks the most specific scope, then the transport default, then the default', async () => {
    const accept = [{type: 'insecureAcceptAnything'}]
    const document = {default: [{type: 'reject'}], transports: {docker: {'127.0.0.1:5000': accept, '127.0.0.1:5000/team': accept, '127.0.0.1:5000/team/app': accept}}}
    assert.equal(await scopeOf(document, '127.0.0.1:5000/team/app:1'), '127.0.0.1:5000/team/app')
    assert.equal(await scopeOf(document, '127.0.0.1:5000/team/other:1'), '127.0.0.1:5000/team')
    assert.equal(await scopeOf(document, '127.0.0.1:5000/solo:1'), '127.0.0.1:5000')
    assert.equal(await scopeOf(document, 'busybox'), 'default')
    assert.equal(await scopeOf({...document, transports: {docker: {'': accept}}}, 'busybox'), 'transports.docker[""]')
    assert.equal(await scopeOf({default: accept, transports: {docker: {'docker.io/library/busybox': accept}}}, 'busybox:1.36'), 'docker.io/library/busybox')
  })

  it('reads keyPath relative to the policy file, keyPaths and keyData', async () => {
    const policy = await parse({default: [{keyPath: 'k.pub', type: 'sigstoreSigned'}, {keyPaths: ['k.pub', join(dir, 'k.pub')], type: 'sigstoreSigned'}, {keyData: Buffer.from(pem).toString('base64'), signedIdentity: {type: 'matchRepository'}, type: 'sigstoreSigned'}]})
    const requirements = policy.requirementsFor(parseNormalizedNamed('busybox')).requirements
    assert.deepEqual(requirements.map((r) => (r.type === 'sigstoreSigned' ? [r.keys.map((k) => `${k.label} ${k.kind}`), r.signedIdentity.type] : r.type)), [
      [[`${dir}/k.pub ecdsa-p256`], 'matchRepoDigestOrExact'],
      [[`${dir}/k.pub ecdsa-p256`, `${dir}/k.pub ecdsa-p256`], 'matchRepoDigestOrExact'],
      [['keyData ecdsa-p256'], 'matchRepository'],
    ])
  })

  it('keeps what dkr cannot check as unsupported requirements, which refuse the pulls they apply to', async () => {
    const policy = await parse({
      default: [{type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k.gpg'}],
      transports: {
        docker: {
          'a.example/u': [{type: 'somethingNew'}],
        },
      },
    })
    const what = (name: string) => policy.requirementsFor(parseNormalizedNamed(name)).requirements.map((r) => (r.type === 'unsupported' ? r.what : r.type))
    assert.deepEqual(what('busybox'), ['signedBy (GPG signatures)'])
    assert.deepEqual(what('a.example/u'), ['requirement type "somethingNew"'])
  })

  it('reads fulcio (caPath or caData) with its Rekor key, and Rekor keys beside public keys', async () => {
    const ca = readFileSync(join(vectors, 'fulcio_v1.crt.pem'))
    writeFileSync(join(dir, 'fulcio.pem'), ca)
    writeFileSync(join(dir, 'rekor.pub'), readFileSync(join(vectors, 'rekor.pub')))
    const fulcio = {oidcIssuer: 'https://github.com/login/oauth', subjectEmail: 'mitr@redhat.com'}
    const policy = await parse({
      default: [
        {fulcio: {...fulcio, caPath: 'fulcio.pem'}, rekorPublicKeyPath: 'rekor.pub', type: 'sigstoreSigned'},
        {fulcio: {...fulcio, caData: ca.toString('base64')}, rekorPublicKeyDatas: [readFileSync(join(dir, 'rekor.pub')).toString('base64')], type: 'sigstoreSigned'},
        {keyPath: 'k.pub', rekorPublicKeyPaths: ['rekor.pub', 'k.pub'], type: 'sigstoreSigned'},
      ],
    })
    const summary = policy.requirementsFor(parseNormalizedNamed('busybox')).requirements.map((r) => (r.type === 'sigstoreSigned' ? {cas: r.fulcio?.caCertificates.length, email: r.fulcio?.subjectEmail, keys: r.keys.length, rekor: r.rekorKeys?.length} : r.type))
    assert.deepEqual(summary, [
      {cas: 1, email: 'mitr@redhat.com', keys: 0, rekor: 1},
      {cas: 1, email: 'mitr@redhat.com', keys: 0, rekor: 1},
      {cas: undefined, email: undefined, keys: 1, rekor: 2},
    ])
  })

  for (const [label, text, message] of [
    ['not JSON', '{"default": [', /^invalid signature policy .*policy\.json: not JSON: /],
    ['no default', '{}', /: "default" is missing$/],
    ['an empty list', '{"default": []}', /: default: an empty requirement list is not allowed/],
    ['a missing key file', '{"default": [{"type":"sigstoreSigned","keyPath":"nope.pub"}]}', /: default\[0\]: cannot read key .*nope\.pub: ENOENT$/],
    ['a key that is not PEM', `{"default": [{"type":"sigstoreSigned","keyData":"${Buffer.from('hello').toString('base64')}"}]}`, /: default\[0\]: keyData: not a PEM public key$/],
    ['two key sources', '{"default": [{"type":"sigstoreSigned","keyPath":"k.pub","keyData":"eA=="}]}', /exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, pki$/],
    ['an unknown sigstoreSigned field', '{"default": [{"type":"sigstoreSigned","keyPath":"k.pub","unheardOf":true}]}', /: default\[0\]: sigstoreSigned: unknown field "unheardOf"$/],
    ['fulcio without a Rekor key', '{"default": [{"type":"sigstoreSigned","fulcio":{"caPath":"k.pub","oidcIssuer":"https://i","subjectEmail":"a@b"}}]}', /fulcio needs a Rekor public key/],
    ['two Rekor key fields', '{"default": [{"type":"sigstoreSigned","keyPath":"k.pub","rekorPublicKeyPath":"k.pub","rekorPublicKeyData":"eA=="}]}', /at most one of rekorPublicKeyPath/],
    ['pki without roots', '{"default": [{"type":"sigstoreSigned","pki":{"subjectEmail":"a@b"}}]}', /pki needs one of caRootsPath, caRootsData$/],
    ['pki without a subject', `{"default": [{"type":"sigstoreSigned","pki":{"caRootsData":"${Buffer.from(readFileSync(join(vectors, 'pki_root_crts.pem'))).toString('base64')}"}}]}`, /pki needs subjectEmail or subjectHostname$/],
    ['pki with an unknown field', '{"default": [{"type":"sigstoreSigned","pki":{"caRootsPath":"k.pub","subjectEmail":"a@b","subjectURI":"x"}}]}', /pki: unknown field "subjectURI"$/],
    ['pki with a Rekor key', '{"default": [{"type":"sigstoreSigned","pki":{},"rekorPublicKeyPath":"k.pub"}]}', /pki takes no Rekor public key/],
    ['fulcio with both caPath and caData', '{"default": [{"type":"sigstoreSigned","rekorPublicKeyPath":"k.pub","fulcio":{"caPath":"k.pub","caData":"eA==","oidcIssuer":"https://i","subjectEmail":"a@b"}}]}', /fulcio needs exactly one of caPath, caData/],
    ['fulcio without subjectEmail', '{"default": [{"type":"sigstoreSigned","rekorPublicKeyPath":"k.pub","fulcio":{"caPath":"k.pub","oidcIssuer":"https://i"}}]}', /fulcio: "subjectEmail" must be a non-empty string/],
    ['fulcio with an unknown field', '{"default": [{"type":"sigstoreSigned","rekorPublicKeyPath":"k.pub","fulcio":{"caPath":"k.pub","oidcIssuer":"https://i","subjectEmail":"a@b","subjectURI":"x"}}]}', /fulcio: unknown field "subjectURI"/],
    ['a CA file without certificates', '{"default": [{"type":"sigstoreSigned","rekorPublicKeyPath":"k.pub","fulcio":{"caPath":"k.pub","oidcIssuer":"https://i","subjectEmail":"a@b"}}]}', /fulcio: no PEM certificate in k\.pub/],
    ['an unknown identity', '{"default": [{"type":"sigstoreSigned","keyPath":"k.pub","signedIdentity":{"type":"matchAnything"}}]}', /unknown signedIdentity type "matchAnything"/],
    ['a bad scope', '{"default": [{"type":"reject"}], "transports": {"docker": {"Not A Scope!": [{"type":"reject"}]}}}', /invalid scope "Not A Scope!"/],
    ['an unknown top-level field', '{"default": [{"type":"reject"}], "defaults": []}', /unknown field "defaults"/],
  ] as const) {
    it(`refuses a policy file with ${label}, in one line naming the file`, async () => {
      await assert.rejects(parsePolicy(text, policyPath), (error: Error) => {
        assert.match(error.message, message)
        assert.ok(error.message.startsWith(`invalid signature policy ${policyPath}: `))
        assert.ok(!error.message.includes('\n'))
        return true
      })
    })
  }

  it('says so when the policy file does not exist', async () => {
    await assert.rejects(loadPolicy(join(dir, 'absent.json')), {message: `invalid signature policy ${join(dir, 'absent.json')}: no such file`})
  })
})
