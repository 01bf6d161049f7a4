// Keyless cosign verification on pull, against signatures the real cosign made on the stack's registry
// with certificates of the test's own Fulcio-like CA and entries in the project's small Rekor: every case
// gets the verdict `cosign verify --trusted-root` gives with the same flags (the oracle), refusals are one
// line and pull nothing. Verification is tested once (dockerd); one pull per engine proves the pull.
import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {describeEngine, enginesUnderTest} from '../helpers/engines.js'
import {actionsIssuer, assertVerifiedPulls, KeylessSigning, type KeylessCase} from '../helpers/keyless.js'
import {TestRegistry, toolsEnv} from '../helpers/notation.js'
import {pushRandomImage} from '../helpers/random-image.js'
import {runInPty} from '../helpers/pty.js'
import {baseEnv, dkr, dkrBin, run} from '../helpers/run.js'
import {visibleText} from '../helpers/screen.js'
import {TufRepository} from '../helpers/tuf-repo.js'
import {imageExists, removeImages, required, stack} from '../helpers/stack.js'

const workflow = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main'
const email = 'release@acme.example'
const googleIssuer = 'https://accounts.google.com'
const image = (name: string) => `${stack.registry}/keyless/${name}:1.0`

let signing: KeylessSigning
let root: string
let rootWithoutCa: string
let rootWithTsa: string

const cosignKey = (name: string) => join(required('DKR_COSIGN_KEYS'), `${name}.pub`)
const uri = ['--certificate-identity', workflow, '--certificate-oidc-issuer', actionsIssuer]
const trust = () => ['--trusted-root', root, '--insecure-ignore-sct']
const cases = (): KeylessCase[] => [
  {accepted: true, flags: () => [...uri, ...trust()], image: image('uri-bundle'), name: 'a workflow URI identity, bundle format'},
  {accepted: true, flags: () => ['--certificate-identity-regexp', '^https://github\\.com/acme/', '--certificate-oidc-issuer-regexp', 'githubusercontent', ...trust()], image: image('uri-bundle'), name: 'regular expressions'},
  {accepted: true, flags: () => ['--certificate-identity', email, '--certificate-oidc-issuer', googleIssuer, ...trust()], image: image('email-legacy'), name: 'an email identity, legacy format'},
  {accepted: false, flags: () => ['--certificate-identity', workflow.replace('release', 'nightly'), '--certificate-oidc-issuer', actionsIssuer, ...trust()], image: image('uri-bundle'), name: 'another identity', reason: /found a signature by https:\/\/github\.com\/acme\/app\/\.github\/workflows\/release\.yml@refs\/heads\/main, not .*nightly/},
  {accepted: false, flags: () => ['--certificate-identity', email, '--certificate-oidc-issuer', actionsIssuer, ...trust()], image: image('email-legacy'), name: 'another issuer', reason: /from issuer https:\/\/accounts\.google\.com, not https:\/\/token\.actions/},
  {accepted: false, flags: () => [...uri, ...trust()], image: image('no-log'), name: 'no log entry', reason: /found a signature with no transparency log entry/},
  {accepted: false, flags: () => [...uri, ...trust()], image: image('not-yet-valid'), name: 'a certificate not valid at the signing time', reason: /does not verify: .*(expired|valid)/i},
  {accepted: false, flags: () => [...uri, ...trust()], image: image('stranger'), name: 'an untrusted CA', reason: /does not verify: .*certificate/i},
  {accepted: false, flags: () => [...uri, '--trusted-root', rootWithoutCa, '--insecure-ignore-sct'], image: image('uri-bundle'), name: 'a root without the CA', reason: /does not verify/},
  {accepted: false, flags: () => [...uri, ...trust()], image: image('unsigned'), name: 'no signature', reason: /no cosign signature found/},
  {accepted: false, flags: () => [...uri, ...trust()], image: image('tampered-set'), name: 'a tampered SET', reason: /does not verify: inclusion promise could not be verified/},
  {accepted: false, flags: () => [...uri, ...trust()], image: image('other-entry'), name: 'a log entry for another signature', reason: /does not verify/},
  {accepted: true, flags: () => [...uri, '--trusted-root', rootWithTsa, '--insecure-ignore-sct'], image: image('tsa'), name: 'an RFC 3161 timestamp by an authority of the root, beside the log entry'},
  // The log entry dates it; the timestamp no authority of the root can check is left aside, as cosign does.
  {accepted: true, flags: () => [...uri, ...trust()], image: image('tsa'), name: 'an RFC 3161 timestamp, with a root that has no timestamp authority'},
  {accepted: false, flags: () => [...uri, '--trusted-root', rootWithTsa, '--insecure-ignore-sct'], image: image('tsa-no-log'), name: 'an RFC 3161 timestamp and no log entry', reason: /found a signature with no transparency log entry/},
  // Rekor v2: the entry has an inclusion proof and a checkpoint, no integrated time; the TSA dates it
  // (cosign asks for the signed timestamp by itself when every entry is Rekor v2's).
  {accepted: true, flags: () => [...uri, '--trusted-root', rootWithTsa, '--insecure-ignore-sct'], image: image('rekor-v2'), name: 'a Rekor v2 entry dated by an RFC 3161 timestamp, with a root that has the authority'},
  {accepted: false, flags: () => [...uri, ...trust()], image: image('rekor-v2'), name: 'a Rekor v2 entry dated by an RFC 3161 timestamp, with a root without the authority', reason: /found an RFC 3161 timestamp, and the trusted root has no timestamp authority to check it/},
  {accepted: true, flags: () => [...uri, '--trusted-root', rootWithTsa, '--insecure-ignore-sct', '--use-signed-timestamps'], image: image('rekor-v2'), name: 'a Rekor v2 entry, --use-signed-timestamps'},
  // --insecure-ignore-tlog, keyless: cosign checks the certificate at the current time.
  {accepted: true, flags: () => [...uri, ...trust(), '--insecure-ignore-tlog'], image: image('no-log'), name: 'a keyless bundle without a log entry, with --insecure-ignore-tlog, the certificate valid now'},
  {accepted: true, flags: () => [...uri, ...trust(), '--insecure-ignore-tlog'], image: image('no-log-legacy'), name: 'a keyless legacy signature without a log entry, with --insecure-ignore-tlog, the certificate valid now'},
  {accepted: false, flags: () => [...uri, ...trust(), '--insecure-ignore-tlog'], image: image('not-yet-valid-no-log'), name: 'a keyless bundle without a log entry, with --insecure-ignore-tlog, the certificate not valid now', reason: /does not verify: .*not valid or expired at the specified date\), checked at the current time \(--insecure-ignore-tlog\)$/m},
  {accepted: false, flags: () => [...uri, ...trust(), '--insecure-ignore-tlog'], image: image('stranger'), name: 'an untrusted CA, with --insecure-ignore-tlog', reason: /does not verify: .*certificate/i},
  // Key signatures scripts/seed-signatures made without a log (the stack's k1 and k2 keys).
  {accepted: true, flags: () => ['--key', cosignKey('k1'), '--insecure-ignore-tlog'], image: `${stack.registry}/sig/bundle:1.0`, name: '--key, a bundle without a log entry, with --insecure-ignore-tlog'},
  {accepted: true, flags: () => ['--key', cosignKey('k1'), '--insecure-ignore-tlog'], image: `${stack.registry}/sig/legacy:1.0`, name: '--key, a legacy signature without a log entry, with --insecure-ignore-tlog'},
  {accepted: true, flags: () => ['--key', cosignKey('k1'), '--insecure-ignore-tlog'], image: `${stack.registry}/sig/multi:1.0`, name: '--key, a multi-platform index signed as a whole'},
  {accepted: false, flags: () => ['--key', cosignKey('k1'), '--trusted-root', root], image: `${stack.registry}/sig/legacy:1.0`, name: '--key, no log entry, the log required', reason: /found a signature with no transparency log entry/},
  {accepted: false, flags: () => ['--key', cosignKey('k2'), '--insecure-ignore-tlog'], image: `${stack.registry}/sig/bundle:1.0`, name: '--key, another key', reason: /does not verify: signature verification failed/},
]

async function digestOf(reference: string): Promise<string> {
  const result = await run('crane', ['digest', '--insecure', reference], {env: toolsEnv()})
  assert.equal(result.code, 0, result.stderr)
  return result.stdout.trim()
}

/** A fresh image at keyless/NAME:1.0; returns its digest reference, which cosign signs. */
async function fresh(name: string): Promise<string> {
  await pushRandomImage(stack.registry, `keyless/${name}`, '1.0', 4096)
  return `${stack.registry}/keyless/${name}@${await digestOf(image(name))}`
}

/** Rewrites the Rekor bundle annotation of NAME's legacy signature (the `.sig` tag's one layer). */
async function editSet(name: string, edit: (set: string) => string): Promise<void> {
  const registry = new TestRegistry(stack.registry)
  const tag = `${(await digestOf(image(name))).replace(':', '-')}.sig`
  const found = await registry.manifest(`keyless/${name}`, tag)
  assert.ok(found, `no ${tag}`)
  const manifest = JSON.parse(found.bytes.toString()) as {layers: {annotations: Record<string, string>}[]}
  const annotations = manifest.layers[0].annotations
  annotations['dev.sigstore.cosign/bundle'] = edit(annotations['dev.sigstore.cosign/bundle'])
  await registry.pushManifest(`keyless/${name}`, tag, manifest, found.descriptor.mediaType)
}

/** The Rekor bundle annotation of NAME's legacy signature. */
async function setOf(name: string): Promise<string> {
  let set = ''
  await editSet(name, (current) => (set = current))
  return set
}

before(async () => {
  signing = new KeylessSigning()
  await signing.start()
  root = signing.trustedRoot('root')
  rootWithoutCa = signing.trustedRoot('root-without-ca', {withoutCa: true})
  rootWithTsa = signing.trustedRoot('root-with-tsa', {withTsa: true})
  const day = 86_400_000
  // cosign sign checks a leaf's chain at its notBefore, when the test's CA (made now) must be valid: a
  // leaf not valid until tomorrow stands for one outside its validity at the signing time.
  const [uriLeaf, emailLeaf, notYetValid, stranger] = [
    await signing.leaf('uri', `URI:${workflow}`, actionsIssuer),
    await signing.leaf('email', `email:${email}`, googleIssuer),
    await signing.leaf('not-yet-valid', `URI:${workflow}`, actionsIssuer, {end: new Date(Date.now() + 2 * day), start: new Date(Date.now() + day)}),
    await signing.leaf('stranger', `URI:${workflow}`, actionsIssuer, {ca: signing.otherCa}),
  ]
  await signing.sign(await fresh('uri-bundle'), uriLeaf, {format: 'bundle'})
  await signing.sign(await fresh('email-legacy'), emailLeaf, {format: 'legacy'})
  await signing.sign(await fresh('no-log'), uriLeaf, {format: 'bundle', log: false})
  await signing.sign(await fresh('not-yet-valid'), notYetValid, {format: 'legacy'})
  await signing.sign(await fresh('stranger'), stranger, {format: 'legacy'})
  await signing.sign(await fresh('tsa'), uriLeaf, {format: 'bundle', tsa: true})
  await signing.sign(await fresh('tsa-no-log'), uriLeaf, {format: 'bundle', log: false, tsa: true})
  await signing.sign(await fresh('rekor-v2'), uriLeaf, {format: 'bundle', log: 'v2', tsa: true})
  await signing.sign(await fresh('no-log-legacy'), uriLeaf, {format: 'legacy', log: false})
  await signing.sign(await fresh('not-yet-valid-no-log'), notYetValid, {format: 'bundle', log: false})
  await fresh('unsigned')
  await signing.sign(await fresh('tampered-set'), uriLeaf, {format: 'legacy'})
  await editSet('tampered-set', (set) => set.replace(/"SignedEntryTimestamp":"[A-Za-z0-9+/]{4}/, (start) => `${start.slice(0, -4)}AAAA`))
  await signing.sign(await fresh('other-entry'), uriLeaf, {format: 'legacy'})
  const another = await setOf('email-legacy')
  await editSet('other-entry', () => another)
})

after(() => signing?.stop())

/** The v0.3 bundle cosign attached to NAME's image (its referrer's bundle layer). */
async function bundleOf(name: string): Promise<{verificationMaterial: {tlogEntries: Record<string, unknown>[]; timestampVerificationData?: {rfc3161Timestamps: unknown[]}}}> {
  const registry = new TestRegistry(stack.registry)
  const digest = await digestOf(image(name))
  for (const referrer of await registry.referrers(`keyless/${name}`, digest)) {
    const manifest = JSON.parse((await registry.manifest(`keyless/${name}`, referrer.digest))!.bytes.toString()) as {layers?: {digest: string; mediaType: string}[]}
    const layer = manifest.layers?.find((l) => l.mediaType === 'application/vnd.dev.sigstore.bundle.v0.3+json')
    if (layer) return JSON.parse((await registry.blob(`keyless/${name}`, layer.digest)).toString())
  }

  throw new Error(`no bundle for ${name}`)
}

describe('keyless cosign: the signatures are what the cases say', () => {
  it("cosign's bundle through the v2 Rekor holds a Rekor v2 entry (inclusion proof, C2SP checkpoint, no integrated time or promise) and an RFC 3161 timestamp", async () => {
    const {verificationMaterial} = await bundleOf('rekor-v2')
    const [entry] = verificationMaterial.tlogEntries as {kindVersion: unknown; integratedTime?: string; inclusionPromise?: unknown; inclusionProof: {checkpoint: {envelope: string}}}[]
    assert.deepEqual([verificationMaterial.tlogEntries.length, entry.kindVersion, entry.integratedTime ?? '0', entry.inclusionPromise], [1, {kind: 'hashedrekord', version: '0.0.2'}, '0', undefined])
    // The origin and the signer are the log's host, as sigstore-go requires of a v2 checkpoint.
    assert.match(entry.inclusionProof.checkpoint.envelope, /^127\.0\.0\.1\n1\n[A-Za-z0-9+/]{43}=\n\n\u2014 127\.0\.0\.1 [A-Za-z0-9+/]+=*\n$/)
    assert.equal(verificationMaterial.timestampVerificationData?.rfc3161Timestamps.length, 1)
  })
})

describe('keyless cosign: cosign verify --trusted-root agrees on every case', () => {
  it('accepts and refuses what dkr accepts and refuses', async () => {
    assert.deepEqual(await signing.verdicts(cases(), 'cosign'), cases().map((c) => [c.name, c.accepted]))
  })
})

/**
 * Why sid's sigstore-go 1.3 (oci-image-verification) cannot give a verdict on a case, if it cannot:
 * - --key: its -publicKey adds the key to the trusted material but never asks for a key in the policy
 *   (sigstore-go's WithKey), so it refuses every key signature before checking it ("failed to build
 *   policy: can't verify identities without providing at least one identity");
 * - --insecure-ignore-tlog: cosign then checks the certificate at the current time; the tool's
 *   -requireTlog=false -requireTimestamp=false leaves its verifier no time to check at, and it refuses to
 *   start.
 */
function sigstoreGoCannotTake(c: KeylessCase): string | undefined {
  if (c.flags().includes('--key')) return 'no key policy'
  return c.flags().includes('--insecure-ignore-tlog') ? 'no verification at the current time' : undefined
}

describe('keyless cosign: sigstore-go (oci-image-verification) agrees on every case it can take', () => {
  it('accepts and refuses what dkr accepts and refuses, in both formats', async () => {
    const taken = cases().filter((c) => !sigstoreGoCannotTake(c))
    assert.deepEqual(cases().filter((c) => sigstoreGoCannotTake(c)).map((c) => c.name), [
      'a keyless bundle without a log entry, with --insecure-ignore-tlog, the certificate valid now',
      'a keyless legacy signature without a log entry, with --insecure-ignore-tlog, the certificate valid now',
      'a keyless bundle without a log entry, with --insecure-ignore-tlog, the certificate not valid now',
      'an untrusted CA, with --insecure-ignore-tlog',
      '--key, a bundle without a log entry, with --insecure-ignore-tlog', '--key, a legacy signature without a log entry, with --insecure-ignore-tlog', '--key, a multi-platform index signed as a whole', '--key, no log entry, the log required', '--key, another key'])
    assert.deepEqual(await signing.verdicts(taken, 'sigstore-go'), taken.map((c) => [c.name, c.accepted]))
  })
})

describe('keyless cosign: verified pulls (dockerd)', () => {
  it('pulls each accepted case; refuses the others in one line `<image>: not pulled: cosign: <reason>`, pulling nothing', async () => {
    await assertVerifiedPulls(cases())
  })

  it('verifies a digest reference as it is, and each tag with -a', async () => {
    const name = `${stack.registry}/keyless/uri-bundle`
    const digest = await digestOf(image('uri-bundle'))
    await removeImages(image('uri-bundle'))
    const byDigest = await dkr(['pull', '-q', ...uri, ...trust(), `${name}@${digest}`], {env: baseEnv(), timeoutMs: 120_000})
    assert.deepEqual([byDigest.code, byDigest.stdout], [0, `${name}@${digest}\n`], byDigest.stderr)
    // -a: the tag 1.0 is verified and pulled; cosign's sha256-… artifact tags are not images to pull.
    const all = await dkr(['pull', '-a', '-q', ...uri, ...trust(), name], {env: baseEnv(), timeoutMs: 120_000})
    assert.deepEqual([all.code, all.stdout], [0, `${name}\n`], all.stderr)
    assert.equal(await imageExists(image('uri-bundle')), true)
    const refused = await dkr(['pull', '-a', '-q', ...uri, ...trust(), `${stack.registry}/keyless/unsigned`], {env: baseEnv(), timeoutMs: 120_000})
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, new RegExp(`^${image('unsigned')}: not pulled: cosign: no cosign signature found$`, 'm'))
    assert.equal(await imageExists(image('unsigned')), false)
  })

  it('--json names the signer and the log entry that dated the signature', async () => {
    await removeImages(image('uri-bundle'))
    const result = await dkr(['pull', '--json', ...uri, ...trust(), image('uri-bundle')], {env: baseEnv(), timeoutMs: 120_000})
    assert.equal(result.code, 0, result.stderr)
    const [pulled] = (JSON.parse(result.stdout) as {images: {verification: {check: string; digest: string; signatures: {format: string; signer: unknown; logEntry: {logID: string; logIndex: string; integratedTime: string}}[]}[]}[]}).images
    const [verdict] = pulled.verification
    assert.deepEqual([verdict.check, verdict.digest, verdict.signatures[0].format, verdict.signatures[0].signer], ['cosign', await digestOf(image('uri-bundle')), 'bundle', {issuer: actionsIssuer, san: workflow}])
    assert.match(verdict.signatures[0].logEntry.logID, /^[0-9a-f]{64}$/)
    assert.ok(Math.abs(Date.parse(verdict.signatures[0].logEntry.integratedTime) - Date.now()) < 3_600_000, verdict.signatures[0].logEntry.integratedTime)
  })

  it('--json and the terminal name the RFC 3161 timestamp that dated a Rekor v2 entry (which has no integrated time)', async () => {
    await removeImages(image('rekor-v2'))
    const flags = [...uri, '--trusted-root', rootWithTsa, '--insecure-ignore-sct']
    const result = await dkr(['pull', '--json', ...flags, image('rekor-v2')], {env: baseEnv(), timeoutMs: 120_000})
    assert.equal(result.code, 0, result.stderr)
    const [signature] = (JSON.parse(result.stdout) as {images: {verification: {signatures: {logEntry: {logID: string; integratedTime?: string}; timestamp: string}[]}[]}[]}).images[0].verification[0].signatures
    assert.deepEqual([/^[0-9a-f]{64}$/.test(signature.logEntry.logID), signature.logEntry.integratedTime], [true, undefined])
    assert.ok(Math.abs(Date.parse(signature.timestamp) - Date.now()) < 3_600_000, signature.timestamp)
    await removeImages(image('rekor-v2'))
    const ran = await runInPty(process.execPath, [dkrBin, 'pull', ...flags, image('rekor-v2')], {columns: 240, env: baseEnv({TERM: 'xterm-256color'}), rows: 30})
    assert.equal(ran.exitCode, 0, visibleText(ran.bytes))
    assert.match(visibleText(ran.bytes), /rekor-v2:1\.0: signed by \S+ \(https:\/\/token\.actions\.githubusercontent\.com\), timestamped 20\d\d-/)
  })

  it('on a terminal, says who signed the image and when the log recorded it', async () => {
    await removeImages(image('uri-bundle'))
    const ran = await runInPty(process.execPath, [dkrBin, 'pull', ...uri, ...trust(), image('uri-bundle')], {columns: 240, env: baseEnv({TERM: 'xterm-256color'}), rows: 30})
    const text = visibleText(ran.bytes)
    assert.equal(ran.exitCode, 0, text)
    const escaped = (value: string) => value.replace(/[.?()/]/g, '\\$&')
    assert.match(text, new RegExp(`${escaped(image('uri-bundle'))}: signed by ${escaped(workflow)} \\(${escaped(actionsIssuer)}\\), logged 20\\d\\d-`))
  })

  it('through TUF without --trusted-root: the first pull fetches the root, a pull within the day asks the repository nothing', async () => {
    const repository = new TufRepository(readFileSync(root))
    await repository.start()
    const env = baseEnv({DKR_SIGSTORE_TUF_ROOT: repository.rootPath, DKR_SIGSTORE_TUF_URL: repository.url, XDG_CACHE_HOME: join(signing.dir, 'tuf-cache')})
    const pull = async () => {
      await removeImages(image('uri-bundle'))
      const result = await dkr(['pull', '-q', ...uri, '--insecure-ignore-sct', image('uri-bundle')], {env, timeoutMs: 120_000})
      assert.deepEqual([result.code, result.stdout], [0, `${image('uri-bundle')}\n`], result.stderr)
    }

    try {
      await pull()
      assert.ok(repository.requests.includes('/timestamp.json'), repository.requests.join(' '))
      const asked = repository.requests.length
      await pull()
      assert.deepEqual(repository.requests.slice(asked), [])
    } finally {
      await repository.stop()
    }
  })

  it('offline without a trusted root: one line naming --trusted-root, nothing pulled', async () => {
    await removeImages(image('uri-bundle'))
    // No TUF repository answers on loopback port 9, and the cache is empty.
    const env = baseEnv({DKR_SIGSTORE_TUF_URL: 'http://127.0.0.1:9/', XDG_CACHE_HOME: join(signing.dir, 'empty-cache')})
    const result = await dkr(['pull', '-q', ...uri, '--insecure-ignore-sct', image('uri-bundle')], {env, timeoutMs: 60_000})
    assert.equal(result.code, 1)
    assert.match(result.stderr, /^cannot get Sigstore's trusted root through TUF from http:\/\/127\.0\.0\.1:9\/ \(.*\) and no usable copy is cached: when offline, give --trusted-root FILE \(a TrustedRoot JSON\)\n$/)
    assert.equal(await imageExists(image('uri-bundle')), false)
  })

  it('with a containers-policy.json fulcio requirement too, both must hold', async () => {
    const policy = join(signing.dir, 'policy.json')
    writeFileSync(policy, JSON.stringify({default: [{fulcio: {caPath: signing.ca.certPath, oidcIssuer: googleIssuer, subjectEmail: email}, rekorPublicKeyPath: signing.rekorPublicKey, signedIdentity: {type: 'matchRepository'}, type: 'sigstoreSigned'}]}))
    await removeImages(image('email-legacy'), image('uri-bundle'))
    const both = await dkr(['pull', '-q', '--signature-policy', policy, '--certificate-identity', email, '--certificate-oidc-issuer', googleIssuer, ...trust(), image('email-legacy')], {env: baseEnv(), timeoutMs: 120_000})
    assert.deepEqual([both.code, both.stdout], [0, `${image('email-legacy')}\n`], both.stderr)
    // The flags hold for uri-bundle, the policy's email does not.
    const policyRefuses = await dkr(['pull', '-q', '--signature-policy', policy, ...uri, ...trust(), image('uri-bundle')], {env: baseEnv(), timeoutMs: 120_000})
    assert.equal(policyRefuses.code, 1)
    assert.match(policyRefuses.stderr, new RegExp(`^${image('uri-bundle')}: not pulled: no acceptable signature: found a signature by ${workflow.replace(/[.?/]/g, '\\$&')}, which has no email SAN, not ${email} \\(signature policy ${policy}\\)\n$`))
    assert.equal(await imageExists(image('uri-bundle')), false)
  })
})

for (const engine of enginesUnderTest()) {
  describeEngine(engine, 'keyless cosign pull', () => {
    it('pulls a keyless-signed image by its verified digest; -q prints exactly the reference', async () => {
      await removeImages(image('uri-bundle'))
      const result = await dkr(['pull', '-q', ...uri, ...trust(), image('uri-bundle')], {env: baseEnv(), timeoutMs: 120_000})
      assert.deepEqual([result.code, result.stdout], [0, `${image('uri-bundle')}\n`], result.stderr)
      assert.equal(await imageExists(image('uri-bundle')), true)
    })
  })
}
