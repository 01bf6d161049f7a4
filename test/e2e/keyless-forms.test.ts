// Forms of keyless cosign verification beyond one leaf under one root, with signatures the real cosign
// made on the stack's registry: intermediates carried in a legacy signature's chain annotation or in a
// bundle, a containers-policy.json `pki` requirement, the trustedRoot preference, and a keyless-signed
// multi-platform index. Every case both oracles can take gets their verdict (`cosign verify
// --trusted-root` and sigstore-go's `oci-image-verification`); dkr pulls the accepted ones (`-q` prints
// exactly the reference) and refuses the others in one line, pulling nothing. Verification is tested
// once (dockerd).
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {actionsIssuer, assertVerifiedPulls, KeylessSigning, type KeylessCase, type Leaf} from '../helpers/keyless.js'
import {crane, TestRegistry} from '../helpers/notation.js'
import {caExtensions, issue, makeSelfSigned, type Issued} from '../helpers/pki.js'
import {pushRandomImage} from '../helpers/random-image.js'
import {baseEnv, dkr, docker} from '../helpers/run.js'
import {imageExists, removeImages, stack} from '../helpers/stack.js'

const workflow = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main'
const email = 'release@acme.example'
// The test's leaves carry no SCT: SCTs are keyless-ct.test.ts's subject.
const identity = ['--certificate-identity', workflow, '--certificate-oidc-issuer', actionsIssuer, '--insecure-ignore-sct']
const repository = (name: string) => `keyless-forms/${name}`
const image = (name: string) => `${stack.registry}/${repository(name)}:1.0`
const registry = () => new TestRegistry(stack.registry)

let signing: KeylessSigning
/** The trusted root listing the Fulcio-like root CA alone, and one listing its intermediate too. */
let root: string
let rootWithIntermediate: string
let intermediate: Issued
/** An environment whose trustedRoot preference is `root` (the intermediate unknown), and one whose preference is the other. */
let preferringRoot: NodeJS.ProcessEnv
let preferringRootWithIntermediate: NodeJS.ProcessEnv

/** A fresh image at keyless-forms/NAME:1.0; returns its digest reference, which cosign signs. */
async function fresh(name: string): Promise<string> {
  await pushRandomImage(stack.registry, repository(name), '1.0', 4096)
  return digestReference(name)
}

async function digestReference(name: string): Promise<string> {
  const found = await registry().manifest(repository(name), '1.0')
  return `${stack.registry}/${repository(name)}@${found!.descriptor.digest}`
}

/** PEM file of `certificates`, in order: a chain for cosign sign, a policy's roots or intermediates. */
function pemFile(name: string, ...certificates: Issued[]): string {
  const path = join(signing.dir, `${name}.pem`)
  writeFileSync(path, certificates.map((c) => readFileSync(c.certPath, 'utf8')).join(''))
  return path
}

/** A CA certificate issued by `ca`, valid from now. */
const intermediateOf = (name: string, ca: Issued) => issue(signing.dir, name, ca, `/O=dkr test/CN=${name}`, {extensions: caExtensions, keyType: 'ec-256', start: new Date()})

/** `leaf` with the chain cosign sign is given: its intermediate, then that intermediate's root. */
const viaIntermediate = (leaf: Leaf, chain: string): Leaf => ({...leaf, issuerPath: chain})

/**
 * Writes `chain` (PEM) into the chain annotation of NAME's legacy signature. cosign 3.1 signs through a
 * bundle that holds only the leaf and writes that annotation empty whatever --certificate-chain says;
 * cosign 2 wrote the --certificate-chain file there, [intermediate, root], as registries still serve it
 * for the signatures cosign 2 made.
 */
async function writeChainAnnotation(name: string, chain: string): Promise<void> {
  const tag = `${(await digestReference(name)).split('@')[1].replace(':', '-')}.sig`
  const found = await registry().manifest(repository(name), tag)
  assert.ok(found, `no ${tag}`)
  const manifest = JSON.parse(found.bytes.toString()) as {layers: {annotations: Record<string, string>}[]}
  assert.equal(manifest.layers[0].annotations['dev.sigstore.cosign/chain'], '', 'cosign 3.1 writes the chain annotation empty')
  manifest.layers[0].annotations['dev.sigstore.cosign/chain'] = readFileSync(chain, 'utf8')
  await registry().pushManifest(repository(name), tag, manifest, found.descriptor.mediaType)
}

/** The verification material of NAME's bundle referrer: where a v0.3 bundle could carry a chain. */
async function bundleMaterial(name: string): Promise<string[]> {
  const subject = (await digestReference(name)).split('@')[1]
  for (const referrer of await registry().referrers(repository(name), subject)) {
    const manifest = JSON.parse((await registry().manifest(repository(name), referrer.digest))!.bytes.toString()) as {layers: {digest: string}[]}
    const bundle = JSON.parse((await registry().blob(repository(name), manifest.layers[0].digest)).toString()) as {verificationMaterial: Record<string, unknown>}
    return Object.keys(bundle.verificationMaterial).sort()
  }

  throw new Error(`no bundle referrer for ${name}`)
}

/** `path`'s TrustedRoot with `extra` prepended to its CA's chain (protobuf-specs order: leafward first). */
function withCertificates(path: string, name: string, ...extra: Issued[]): string {
  const document = JSON.parse(readFileSync(path, 'utf8')) as {certificateAuthorities: {certChain: {certificates: {rawBytes: string}[]}}[]}
  document.certificateAuthorities[0].certChain.certificates.unshift(...extra.map((c) => ({rawBytes: c.der.toString('base64')})))
  const out = join(signing.dir, `${name}.json`)
  writeFileSync(out, JSON.stringify(document))
  return out
}

/** A preferences directory of its own whose trustedRoot is FILE, set with `dkr config set`. */
async function preferring(file: string): Promise<NodeJS.ProcessEnv> {
  const env = {XDG_CONFIG_HOME: mkdtempSync(join(signing.dir, 'xdg-'))}
  const set = await dkr(['config', 'set', 'trustedRoot', file], {env: baseEnv(env)})
  assert.equal(set.code, 0, set.stderr)
  return env
}

const noPath = /does not verify: Failed to verify certificate chain \(no valid certificate path found\)/
const cases = (): KeylessCase[] => [
  // Intermediates: cosign 3 with a trusted root builds the path from the root's CAs alone (sigstore-go's
  // VerifyLeafCertificate), so an intermediate only the signature carries completes nothing.
  {accepted: false, flags: () => [...identity, '--trusted-root', root], image: image('chain-legacy'), name: 'an intermediate of the trusted root in the chain annotation, a root listing the root CA alone', reason: noPath},
  {accepted: true, flags: () => [...identity, '--trusted-root', rootWithIntermediate], image: image('chain-legacy'), name: 'the same legacy signature, a root listing the intermediate'},
  {accepted: false, flags: () => [...identity, '--trusted-root', root], image: image('chain-bundle'), name: 'a leaf of the intermediate in a bundle (cosign writes the leaf alone), a root listing the root CA alone', reason: noPath},
  {accepted: true, flags: () => [...identity, '--trusted-root', rootWithIntermediate], image: image('chain-bundle'), name: 'the same bundle, a root listing the intermediate'},
  {accepted: false, flags: () => [...identity, '--trusted-root', rootWithIntermediate], image: image('chain-other'), name: 'an intermediate of another root in the chain annotation', reason: noPath},
  // The trustedRoot preference stands for --trusted-root; the flag wins over it.
  {accepted: true, env: preferringRootWithIntermediate, flags: () => identity, image: image('chain-bundle'), name: 'the trustedRoot preference, no --trusted-root'},
  {accepted: false, env: preferringRoot, flags: () => identity, image: image('chain-bundle'), name: 'the trustedRoot preference without the intermediate, no --trusted-root', reason: noPath},
  {accepted: true, env: preferringRoot, flags: () => [...identity, '--trusted-root', rootWithIntermediate], image: image('chain-bundle'), name: '--trusted-root over the trustedRoot preference'},
  {accepted: false, env: preferringRootWithIntermediate, flags: () => [...identity, '--trusted-root', root], image: image('chain-bundle'), name: '--trusted-root over the trustedRoot preference, refusing', reason: noPath},
  // A multi-platform index signed as a whole: its digest is what is verified.
  {accepted: true, flags: () => [...identity, '--trusted-root', root], image: image('platforms'), name: 'a keyless-signed multi-platform index'},
  {accepted: true, flags: () => [...identity, '--trusted-root', root], image: image('platforms-legacy'), name: 'a keyless-signed multi-platform index, legacy format'},
  {accepted: false, flags: () => ['--certificate-identity', workflow.replace('release', 'nightly'), ...identity.slice(2), '--trusted-root', root], image: image('platforms'), name: 'a keyless-signed multi-platform index, another identity', reason: /found a signature by https:\/\/github\.com\/acme\/app\/\.github\/workflows\/release\.yml@refs\/heads\/main, not .*nightly/},
]

/**
 * Why an oracle cannot give a verdict on a case: the trustedRoot preference is dkr's own, and neither
 * `cosign verify` nor sigstore-go reads it. Their verdict on the same root given as --trusted-root is
 * the table's cases on chain-bundle.
 */
const oraclesCannotTake = (c: KeylessCase) => (c.env && !c.flags().includes('--trusted-root') ? 'the trustedRoot preference is dkr\'s own' : undefined)

before(async () => {
  signing = new KeylessSigning()
  await signing.start()
  root = signing.trustedRoot('root')
  intermediate = intermediateOf('dkr fulcio intermediate', signing.ca)
  rootWithIntermediate = withCertificates(root, 'root-with-intermediate', intermediate)
  const otherIntermediate = intermediateOf('dkr other intermediate', signing.otherCa)
  const chain = pemFile('chain', intermediate, signing.ca)
  const otherChain = pemFile('other-chain', otherIntermediate, signing.otherCa)
  const [leaf, otherLeaf, indexLeaf] = [
    viaIntermediate(await signing.leaf('via-intermediate', `URI:${workflow}`, actionsIssuer, {ca: intermediate}), chain),
    viaIntermediate(await signing.leaf('via-other', `URI:${workflow}`, actionsIssuer, {ca: otherIntermediate}), otherChain),
    await signing.leaf('index', `URI:${workflow}`, actionsIssuer),
  ]
  await signing.sign(await fresh('chain-legacy'), leaf, {format: 'legacy'})
  await writeChainAnnotation('chain-legacy', chain)
  await signing.sign(await fresh('chain-bundle'), leaf, {format: 'bundle'})
  await signing.sign(await fresh('chain-other'), otherLeaf, {format: 'legacy'})
  await writeChainAnnotation('chain-other', otherChain)
  await crane(['copy', '--insecure', `${stack.registry}/demo/platforms:1.0`, image('platforms')])
  await signing.sign(await digestReference('platforms'), indexLeaf, {format: 'bundle'})
  await crane(['copy', '--insecure', `${stack.registry}/demo/platforms:1.0`, image('platforms-legacy')])
  await signing.sign(await digestReference('platforms-legacy'), indexLeaf, {format: 'legacy'})
  preferringRoot = await preferring(root)
  preferringRootWithIntermediate = await preferring(rootWithIntermediate)
})

after(() => signing?.stop())

describe('keyless cosign forms: both oracles agree on every case they can take', () => {
  const taken = () => cases().filter((c) => !oraclesCannotTake(c))
  const expected = () => taken().map((c) => [c.name, c.accepted])

  it('cosign writes a bundle with the leaf alone: no chain to carry an intermediate in', async () => {
    assert.deepEqual(await bundleMaterial('chain-bundle'), ['certificate', 'tlogEntries'])
  })

  it('cosign verify --trusted-root accepts and refuses what dkr accepts and refuses', async () => {
    assert.deepEqual(cases().filter((c) => oraclesCannotTake(c)).map((c) => c.name), ['the trustedRoot preference, no --trusted-root', 'the trustedRoot preference without the intermediate, no --trusted-root'])
    assert.deepEqual(await signing.verdicts(taken(), 'cosign'), expected())
  })

  it('sigstore-go (oci-image-verification) accepts and refuses what dkr accepts and refuses', async () => {
    assert.deepEqual(await signing.verdicts(taken(), 'sigstore-go'), expected())
  })
})

describe('keyless cosign forms: verified pulls (dockerd)', () => {
  it('pulls each accepted case; refuses the others in one line `<image>: not pulled: cosign: <reason>`, pulling nothing', async () => {
    await assertVerifiedPulls(cases())
  })

  it('a keyless-signed index: the engine\'s platform by default, another with --platform, each verified through the index digest', async () => {
    const platformOf = async () => (await docker(['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', image('platforms')], {env: baseEnv()})).stdout.trim()
    const engine = (await docker(['version', '--format', '{{.Server.Os}}/{{.Server.Arch}}'], {env: baseEnv()})).stdout.trim()
    const other = engine === 'linux/arm64' ? 'linux/amd64' : 'linux/arm64'
    await removeImages(image('platforms'))
    const pulled = await dkr(['pull', '-q', ...identity, '--trusted-root', root, image('platforms')], {env: baseEnv(), timeoutMs: 120_000})
    assert.deepEqual([pulled.code, pulled.stdout, pulled.stderr], [0, `${image('platforms')}\n`, ''])
    assert.equal(await platformOf(), engine)
    await removeImages(image('platforms'))
    const chosen = await dkr(['pull', '-q', '--platform', other, ...identity, '--trusted-root', root, image('platforms')], {env: baseEnv(), timeoutMs: 120_000})
    assert.deepEqual([chosen.code, chosen.stdout, chosen.stderr], [0, `${image('platforms')}\n`, ''])
    assert.equal(await platformOf(), other)
    await removeImages(image('platforms'))
    const refused = await dkr(['pull', '-q', '--platform', other, '--certificate-identity', email, ...identity.slice(2), '--trusted-root', root, image('platforms')], {env: baseEnv(), timeoutMs: 120_000})
    assert.deepEqual([refused.code, refused.stdout], [1, ''])
    assert.match(refused.stderr, new RegExp(`^${image('platforms')}: not pulled: cosign: .*found a signature by ${workflow.replace(/[.?/]/g, '\\$&')}, not ${email}\n$`))
    assert.equal(await imageExists(image('platforms')), false)
  })
})

/**
 * containers-policy.json's `pki` (containers/image 5.35+): the leaf chains to the policy's roots, through
 * its intermediates or those of the chain annotation, at the current time and with no log; it names the
 * subjectEmail. No oracle exists on the stack: its podman 4.3 predates `pki` (containers/image 5.35), and
 * cosign has no such policy. The rules are containers/image's (signature/pki_cert.go), which
 * test/lib/signature/containers-image.test.ts proves on containers/image's own vectors.
 */
describe('keyless cosign forms: a containers-policy.json pki requirement (dockerd)', () => {
  let pkiRoot: Issued
  let pkiIntermediate: Issued
  const policyFile = (name: string, pki: object) => {
    const path = join(signing.dir, `${name}-policy.json`)
    writeFileSync(path, JSON.stringify({default: [{pki, signedIdentity: {type: 'matchRepository'}, type: 'sigstoreSigned'}]}))
    return path
  }

  before(async () => {
    pkiRoot = makeSelfSigned(signing.dir, 'pki-root', '/O=dkr test/CN=dkr pki root', {keyType: 'ec-256'})
    pkiIntermediate = intermediateOf('dkr pki intermediate', pkiRoot)
    const chain = pemFile('pki-chain', pkiIntermediate, pkiRoot)
    const leaf = viaIntermediate(await signing.leaf('pki', `email:${email}`, 'https://accounts.google.com', {ca: pkiIntermediate}), chain)
    // No log: the pki rules check the certificate at the current time, without Rekor.
    await signing.sign(await fresh('pki'), leaf, {format: 'legacy', log: false})
    await signing.sign(await fresh('pki-chain'), leaf, {format: 'legacy', log: false})
    await writeChainAnnotation('pki-chain', chain)
  })

  const pkiCases = () => [
    {accepted: true, image: image('pki'), name: 'the roots and intermediates', pki: {caIntermediatesPath: pemFile('pki-intermediates', pkiIntermediate), caRootsPath: pemFile('pki-roots', pkiRoot), subjectEmail: email}},
    {accepted: true, image: image('pki-chain'), name: 'the roots, the intermediate in the chain annotation', pki: {caRootsPath: pemFile('pki-roots', pkiRoot), subjectEmail: email}},
    {accepted: false, image: image('pki'), name: 'the roots, no intermediate anywhere', pki: {caRootsPath: pemFile('pki-roots', pkiRoot), subjectEmail: email}, reason: 'a certificate that does not chain to the policy\'s roots'},
    {accepted: false, image: image('pki'), name: 'another subjectEmail', pki: {caIntermediatesPath: pemFile('pki-intermediates', pkiIntermediate), caRootsPath: pemFile('pki-roots', pkiRoot), subjectEmail: 'someone@acme.example'}, reason: 'a certificate without the email someone@acme.example'},
    {accepted: false, image: image('pki-chain'), name: 'an untrusted root', pki: {caRootsPath: pemFile('other-roots', signing.otherCa), subjectEmail: email}, reason: 'a certificate that does not chain to the policy\'s roots'},
  ]

  it('pulls what the pki rules accept (-q prints exactly the reference); refuses the rest in the policy\'s one line, pulling nothing', async () => {
    for (const [i, c] of pkiCases().entries()) {
      const policy = policyFile(`pki-${i}`, c.pki)
      await removeImages(c.image)
      const result = await dkr(['pull', '-q', '--signature-policy', policy, c.image], {env: baseEnv(), timeoutMs: 120_000})
      const expected = c.accepted ? [0, `${c.image}\n`, ''] : [1, '', `${c.image}: not pulled: no acceptable signature: found ${c.reason} (signature policy ${policy})\n`]
      assert.deepEqual([result.code, result.stdout, result.stderr], expected, c.name)
      assert.equal(await imageExists(c.image), c.accepted, c.name)
    }
  })
})
