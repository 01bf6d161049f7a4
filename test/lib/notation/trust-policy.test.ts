import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {loadNotationConfig, notationConfigDir} from '../../../src/lib/notation/config.js'
import {collectNotarySignatures, readSignatureManifest} from '../../../src/lib/notation/signature-manifest.js'
import {applicablePolicy, NotationConfigError, parseTrustPolicy} from '../../../src/lib/notation/trust-policy.js'

const file = '/home/u/.config/notation/trustpolicy.oci.json'
const statement = {name: 'acme', registryScopes: ['registry.example/team/app'], signatureVerification: {level: 'strict'}, trustStores: ['ca:acme'], trustedIdentities: ['x509.subject: C=US, ST=WA, O=Acme']}

function policyText(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({trustPolicies: statements, version: '1.0'})
}

function problem(text: string): string {
  try {
    parseTrustPolicy(text, file)
  } catch (error) {
    assert.ok(error instanceof NotationConfigError)
    assert.equal(error.message.includes('\n'), false)
    return error.message
  }

  assert.fail('the policy was accepted')
}

const temp = mkdtempSync(join(tmpdir(), 'dkr-notation-policy-'))
after(() => rmSync(temp, {force: true, recursive: true}))

describe('notationConfigDir', () => {
  it('is $NOTATION_CONFIG, else $XDG_CONFIG_HOME/notation, else ~/.config/notation', () => {
    assert.equal(notationConfigDir({NOTATION_CONFIG: '/n', XDG_CONFIG_HOME: '/x'}, '/home/u'), '/n')
    assert.equal(notationConfigDir({XDG_CONFIG_HOME: '/x'}, '/home/u'), '/x/notation')
    assert.equal(notationConfigDir({}, '/home/u'), '/home/u/.config/notation')
  })
})

describe('parseTrustPolicy', () => {
  it('reads levels, overrides, stores and identities', () => {
    const document = parseTrustPolicy(policyText({...statement, signatureVerification: {level: 'permissive', override: {authenticity: 'log', revocation: 'skip'}}}), file)
    const [parsed] = document.statements
    assert.equal(parsed.level.name, 'permissive')
    assert.deepEqual(parsed.level.actions, {authenticTimestamp: 'log', authenticity: 'log', expiry: 'log', integrity: 'enforce', revocation: 'skip'})
    assert.deepEqual(parsed.trustStores, [{name: 'acme', type: 'ca'}])
    assert.deepEqual(parsed.trustedIdentities, [new Map([['C', 'US'], ['ST', 'WA'], ['O', 'Acme']])])
  })

  it('reads escaped identity values and S as ST', () => {
    const [parsed] = parseTrustPolicy(policyText({...statement, trustedIdentities: ['x509.subject: C=US, S=WA, O=Acme\\, Inc., CN=a\\+b']}), file).statements
    assert.deepEqual(parsed.trustedIdentities, [new Map([['C', 'US'], ['ST', 'WA'], ['O', 'Acme, Inc.'], ['CN', 'a+b']])])
  })

  it('refuses a bad policy with one line naming the file and the problem', () => {
    const cases: [string, RegExp][] = [
      ['{', /malformed JSON/],
      [JSON.stringify({trustPolicies: [statement], version: '2.0'}), /unsupported version "2.0"/],
      [policyText(), /trustPolicies must be a non-empty array/],
      [policyText({...statement, signatureVerification: {level: 'lenient'}}), /invalid signatureVerification level "lenient"/],
      [policyText({...statement, signatureVerification: {level: 'skip'}}), /skips verification but names trust stores/],
      [policyText({...statement, trustedIdentities: []}), /must name both trustStores and trustedIdentities/],
      [policyText({...statement, trustStores: ['x509:acme']}), /unsupported trust store type "x509"/],
      [policyText({...statement, trustStores: ['ca:../etc']}), /invalid trust store name/],
      [policyText({...statement, trustedIdentities: ['x509.subject: C=US, ST=WA, O=Acme', 'x509.subject: C=US, ST=WA, O=Acme, CN=x']}), /overlapping trusted identities/],
      [policyText({...statement, trustedIdentities: ['x509.subject: C=US, O=Acme']}), /no ST attribute/],
      [policyText({...statement, trustedIdentities: ['*', 'x509.subject: C=US, ST=WA, O=Acme']}), /wildcard trusted identity/],
      [policyText({...statement, trustedIdentities: ['email: a@b']}), /trusted identity dkr cannot check: "email: a@b"/],
      [policyText({...statement, registryScopes: ['*', 'registry.example/x']}), /wildcard registry scope/],
      [policyText({...statement, registryScopes: ['registry.example/team/app:1.0']}), /invalid registry scope "registry.example\/team\/app:1.0"/],
      [policyText(statement, {...statement, name: 'other'}), /registry scope "registry.example\/team\/app" is in more than one/],
      [policyText(statement, statement), /use the name "acme"/],
      [policyText({...statement, signatureVerification: {level: 'strict', override: {integrity: 'log'}}}), /integrity validation cannot be overridden/],
      [policyText({...statement, signatureVerification: {level: 'strict', override: {expiry: 'skip'}}}), /only revocation validation can be skipped/],
      [policyText({...statement, verifyImages: true}), /unknown field "verifyImages"/],
    ]
    for (const [text, pattern] of cases) {
      const message = problem(text)
      assert.ok(message.startsWith(`notation trust policy ${file}: `), message)
      assert.match(message, pattern)
    }
  })
})

describe('applicablePolicy', () => {
  const document = parseTrustPolicy(policyText(statement, {...statement, name: 'everything-else', registryScopes: ['*']}), file)

  it('takes the statement naming the repository before the global one', () => {
    assert.equal(applicablePolicy(document, 'registry.example/team/app')?.name, 'acme')
    assert.equal(applicablePolicy(document, 'registry.example/team/other')?.name, 'everything-else')
  })

  it('applies nothing when no scope names the repository and there is no global statement', () => {
    assert.equal(applicablePolicy(parseTrustPolicy(policyText(statement), file), 'registry.example/team'), undefined)
  })
})

describe('loadNotationConfig', () => {
  it('reads trustpolicy.json when trustpolicy.oci.json is absent', () => {
    const dir = join(temp, 'old-name')
    mkdirSync(dir)
    writeFileSync(join(dir, 'trustpolicy.json'), policyText(statement))
    assert.equal(loadNotationConfig(dir).policy.file, join(dir, 'trustpolicy.json'))
  })

  it('names the missing policy file, and refuses a symlinked one', () => {
    const dir = join(temp, 'none')
    mkdirSync(dir)
    assert.throws(() => loadNotationConfig(dir), {message: `notation trust policy ${join(dir, 'trustpolicy.oci.json')}: no such file (create one with \`notation policy import\`)`})
    writeFileSync(join(temp, 'real.json'), policyText(statement))
    symlinkSync(join(temp, 'real.json'), join(dir, 'trustpolicy.oci.json'))
    assert.throws(() => loadNotationConfig(dir), /not a regular file \(symlinks are not supported\)/)
  })
})

describe('readSignatureManifest', () => {
  const subject = {digest: `sha256:${'a'.repeat(64)}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 10}
  const layer = {digest: `sha256:${'c'.repeat(64)}`, mediaType: 'application/jose+json', size: 2000}

  it('finds the envelope in both forms: artifactType, and config.mediaType for OCI 1.0 registries', () => {
    const modern = {artifactType: 'application/vnd.cncf.notary.signature', config: {mediaType: 'application/vnd.oci.empty.v1+json'}, layers: [layer], subject}
    const older = {config: {mediaType: 'application/vnd.cncf.notary.signature'}, layers: [layer], subject}
    assert.deepEqual(readSignatureManifest(modern, subject.digest), {kind: 'envelope', layer})
    assert.deepEqual(readSignatureManifest(older, subject.digest), {kind: 'envelope', layer})
  })

  it('leaves other referrers alone and refuses malformed signature manifests', () => {
    assert.deepEqual(readSignatureManifest({artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json', layers: [layer], subject}, subject.digest), {kind: 'not-notary'})
    const signature = {artifactType: 'application/vnd.cncf.notary.signature', layers: [layer, layer], subject}
    assert.equal(readSignatureManifest(signature, subject.digest).kind, 'invalid')
    assert.equal(readSignatureManifest({...signature, layers: [layer]}, `sha256:${'b'.repeat(64)}`).kind, 'invalid')
  })

  it('refuses a layer that is not an object (found by the signature-manifest fuzz target: null was a TypeError)', () => {
    const signature = {artifactType: 'application/vnd.cncf.notary.signature', layers: [null], subject}
    assert.deepEqual(readSignatureManifest(signature, subject.digest), {kind: 'invalid', problem: 'the envelope layer descriptor is malformed'})
  })
})

describe('collectNotarySignatures', () => {
  const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`
  const subjectDigest = `sha256:${'a'.repeat(64)}`
  const envelope = Buffer.from('{"payload":""}')
  const layer = {digest: digestOf(envelope), mediaType: 'application/jose+json', size: envelope.length}
  const signature = Buffer.from(JSON.stringify({config: {mediaType: 'application/vnd.cncf.notary.signature'}, layers: [layer], subject: {digest: subjectDigest}}))
  const twoLayers = Buffer.from(JSON.stringify({artifactType: 'application/vnd.cncf.notary.signature', layers: [layer, layer], subject: {digest: subjectDigest}}))
  const bundle = Buffer.from(JSON.stringify({artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json', layers: [layer], subject: {digest: subjectDigest}}))
  const stored = new Map([signature, twoLayers, bundle, envelope].map((bytes) => [digestOf(bytes), bytes]))
  const listed = (bytes: Buffer, artifactType?: string) => ({artifactType, digest: digestOf(bytes), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: bytes.length})
  const opened: string[] = []
  const source = {
    blob: async (digest: string) => stored.get(digest) ?? Buffer.alloc(0),
    manifest: async (digest: string) => {
      opened.push(digest)
      return stored.get(digest) ?? Buffer.from('{"tampered":true}')
    },
    referrers: async () => [listed(signature), listed(twoLayers), listed(bundle), listed(bundle, 'application/vnd.dev.sigstore.bundle.v0.3+json'), {...listed(signature), digest: `sha256:${'f'.repeat(64)}`}],
  }

  it('fetches each signature envelope, skips other artifacts and keeps why unusable ones were not used', async () => {
    const signatures = await collectNotarySignatures(source, subjectDigest)
    assert.deepEqual(signatures.map(({digest, envelopeMediaType, problem}) => ({digest, envelopeMediaType, problem})), [
      {digest: digestOf(signature), envelopeMediaType: 'application/jose+json', problem: undefined},
      {digest: digestOf(twoLayers), envelopeMediaType: '', problem: 'a signature manifest must have exactly one envelope layer, it has 2'},
      {digest: `sha256:${'f'.repeat(64)}`, envelopeMediaType: '', problem: `the registry served content that does not match sha256:${'f'.repeat(64)}`},
    ])
    assert.deepEqual(signatures[0].envelope, envelope)
    assert.equal(opened.filter((digest) => digest === digestOf(bundle)).length, 1, 'a referrer declaring another artifactType is not opened')
  })

  it('reads at most 100 signatures, as notation does, and skips listed entries that are no descriptors', async () => {
    // A hostile registry's referrers index (test/e2e/hostile-peers.test.ts) may list thousands.
    const many = {...source, referrers: async () => [null, {digest: 5}, ...Array.from({length: 150}, () => listed(signature))] as never}
    const signatures = await collectNotarySignatures(many, subjectDigest)
    assert.equal(signatures.length, 101)
    assert.equal(signatures.at(-1)?.problem, 'more than 100 signatures: the rest are not read')
  })
})
