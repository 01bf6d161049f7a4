// `dkr image pull --notation-config` on every engine of the matrix, against images the real `notation
// sign` signed in this run with certificates made here: each verified image pulled by its digest and
// tagged, each refused one named in one line with nothing pulled, and `notation verify` on the same
// images and policy as the oracle of every verdict.
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {after, before, describe, it} from 'node:test'
import {describeEngine, enginesUnderTest} from '../helpers/engines.js'
import {corruptJws, crane, NotationHome, TestRegistry} from '../helpers/notation.js'
import {issue, makeSelfSigned, pem, type Issued} from '../helpers/pki.js'
import {baseEnv, dkr, docker} from '../helpers/run.js'
import {imageExists, removeAllImages, stack} from '../helpers/stack.js'

const run = Date.now().toString(36)
let home: NotationHome
let registry: TestRegistry
const digests: Record<string, string> = {}

const identity = 'x509.subject: C=US, ST=WA, O=Acme'
const path = (repository: string) => `notation-pull/${run}/${repository}`
const name = (repository: string) => `${stack.registry}/${path(repository)}`
const image = (repository: string, tag = '1') => `${name(repository)}:${tag}`
const policyFile = () => join(home.dir, 'trustpolicy.oci.json')

/** A copy of a small demo image at `repository:tag`; its digest. */
async function copy(repository: string, tag = '1', source = 'demo/small:1.0'): Promise<string> {
  await crane(['copy', '--insecure', `${stack.registry}/${source}`, image(repository, tag)])
  return crane(['digest', '--insecure', image(repository, tag)])
}

function statement(statementName: string, repositories: string[], extra: Record<string, unknown> = {}) {
  return {name: statementName, registryScopes: repositories.map(name), signatureVerification: {level: 'strict'}, trustStores: ['ca:acme'], trustedIdentities: [identity], ...extra}
}

/** A containers-policy.json that needs the test's cosign key for everything under this run's repositories. */
function cosignPolicy(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'dkr-notation-pull-')), 'policy.json')
  const signed = [{keyPath: home.cosignKey, signedIdentity: {type: 'matchRepository'}, type: 'sigstoreSigned'}]
  writeFileSync(path, JSON.stringify({default: [{type: 'reject'}], transports: {docker: {[`${stack.registry}/notation-pull/${run}`]: signed}}}))
  return path
}

const pull = (args: string[], env: NodeJS.ProcessEnv = baseEnv()) => dkr(['pull', ...args], {env, timeoutMs: 120_000})

before(async () => {
  registry = new TestRegistry(stack.registry)
  home = new NotationHome()
  const pki = join(home.dir, 'pki')
  const ca = makeSelfSigned(pki, 'acme-root', '/C=US/ST=WA/O=Acme/CN=Acme Root')
  const other = makeSelfSigned(pki, 'other-root', '/C=US/ST=WA/O=Acme/CN=Untrusted Root')
  const subject = '/C=US/ST=WA/L=Seattle/O=Acme/CN=dkr e2e signer'
  const chain = (leaf: Issued, root: Issued) => `${readFileSync(leaf.certPath, 'utf8')}${pem(root.der)}`
  const expiringUntil = Date.now() + 6000
  const leaves = {expiring: issue(pki, 'expiring-leaf', ca, subject, {end: new Date(expiringUntil)}), rsa: issue(pki, 'rsa-leaf', ca, subject), stranger: issue(pki, 'stranger-leaf', other, subject)}
  home.addKey('expiring', leaves.expiring.keyPath, chain(leaves.expiring, ca))
  home.addKey('rsa', leaves.rsa.keyPath, chain(leaves.rsa, ca))
  home.addKey('stranger', leaves.stranger.keyPath, chain(leaves.stranger, other))
  home.trust('acme', 'acme-root.crt', ca.certPath)
  const sign = async (repository: string, key: string) => {
    digests[repository] = await copy(repository)
    await home.sign(`${name(repository)}@${digests[repository]}`, key)
  }

  await sign('expiring', 'expiring')
  for (const repository of ['signed', 'identity', 'both', 'tags', 'swapped', 'corrupted-source']) await sign(repository, 'rsa')
  await sign('stranger', 'stranger')
  await home.cosignSign(`${name('both')}@${digests.both}`)
  // -a: tag 1 is signed, tag 2 is another image nobody signed.
  digests.tags2 = await copy('tags', '2', 'demo/app:1.1')
  // A signature moved onto another image of the repository: its payload names the first digest.
  digests.swapped2 = await copy('swapped', '2', 'demo/app:1.1')
  await registry.moveSignature(path('swapped'), digests.swapped, (await registry.manifest(path('swapped'), '2'))!.descriptor)
  const [good] = await registry.notarySignatures(path('corrupted-source'), digests['corrupted-source'])
  digests.corrupted = await copy('corrupted')
  await registry.pushSignature(path('corrupted'), digests.corrupted, corruptJws(good.envelope), 'application/jose+json')
  home.writePolicy([
    statement('acme', ['signed', 'both', 'tags', 'swapped', 'corrupted', 'stranger']),
    statement('elsewhere', ['identity'], {trustedIdentities: ['x509.subject: C=US, ST=WA, O=Someone Else']}),
    statement('relaxed', ['expiring'], {signatureVerification: {level: 'permissive'}}),
  ])
  const wait = expiringUntil + 1500 - Date.now()
  if (wait > 0) await sleep(wait)
})

after(() => rmSync(home.dir, {force: true, recursive: true}))

/** Each refused case: the image, and what the line says after "not pulled: notation: ". */
const refusals = (): [string, RegExp][] => [
  [image('stranger'), /^signature sha256:[0-9a-f]{64}: authenticity validation failed: the signing certificate chain does not lead to a certificate in ca:acme$/],
  [image('corrupted'), /^signature sha256:[0-9a-f]{64}: integrity validation failed: the signature does not verify/],
  [image('swapped', '2'), /^signature sha256:[0-9a-f]{64}: the signature is for another artifact \(sha256:[0-9a-f]{64}\), not sha256:/],
  [image('identity'), /matches no trusted identity of trust policy statement "elsewhere"$/],
]

describe('notation pull: `notation verify` gives the same verdicts on the same images and policy', () => {
  it('verifies the signed, both-signed and expired-under-permissive images and refuses every refused case', async () => {
    const verdict = async (reference: string) => (await home.verify(reference)).code === 0
    for (const accepted of [image('signed'), image('both'), image('tags'), image('expiring')]) assert.equal(await verdict(accepted), true, accepted)
    for (const [refused] of [...refusals(), [image('tags', '2')]]) assert.equal(await verdict(refused), false, refused)
  })
})

for (const engine of enginesUnderTest()) {
  describeEngine(engine, 'notation pull', () => {
    before(removeAllImages)

    it('pulls a JWS-signed image by its verified digest and tags it', async () => {
      const result = await pull(['--notation-config', home.dir, image('signed')])
      assert.equal(result.code, 0, result.stderr)
      assert.ok(result.stdout.startsWith(`Pull (1 of 1): ${image('signed')}@${digests.signed}\n`), result.stdout)
      assert.ok(result.stdout.endsWith(`\n${image('signed')}\n`), result.stdout)
      assert.ok(result.stderr.includes(`Tagging ${name('signed')}@${digests.signed} as ${image('signed')}\n`), result.stderr)
      const inspected = await docker(['image', 'inspect', '--format', '{{join .RepoDigests ","}}', image('signed')], {env: baseEnv()})
      assert.ok(inspected.stdout.includes(`${name('signed')}@${digests.signed}`), inspected.stdout)
    })

    it('refuses an untrusted CA, a corrupted signature, a signature for another digest and a mismatched identity in one line each, pulling nothing', async () => {
      // Refusals never reach the engine: run side by side.
      const results = await Promise.all(refusals().map(async ([refused]) => pull(['--notation-config', home.dir, refused])))
      for (const [i, [refused, reason]] of refusals().entries()) {
        const result = results[i]
        assert.equal(result.code, 1, `${refused}: ${result.stdout}`)
        assert.equal(result.stdout, '')
        const lines = result.stderr.trim().split('\n')
        assert.equal(lines.length, 1, result.stderr)
        const prefix = `${refused}: not pulled: notation: `
        const suffix = ` (notation trust policy ${policyFile()})`
        assert.ok(lines[0].startsWith(prefix) && lines[0].endsWith(suffix), lines[0])
        assert.match(lines[0].slice(prefix.length, -suffix.length), reason)
        assert.equal(await imageExists(refused), false, `${refused} was pulled`)
      }
    })

    it('with a signature policy too, an image signed by cosign and notation needs both: pulled when both hold, refused when either does not', async () => {
      const policy = cosignPolicy()
      const both = (reference: string) => pull(['-q', '--signature-policy', policy, '--notation-config', home.dir, reference])
      // Signed by notation only: the signature policy refuses it; signed by notation with an identity the notation policy does not trust, and not by cosign.
      const [pulled, cosignMissing, neither] = await Promise.all([both(image('both')), both(image('tags')), both(image('identity'))])
      assert.equal(pulled.code, 0, pulled.stderr)
      assert.equal(pulled.stdout, `${image('both')}\n`)
      assert.equal(await imageExists(image('both')), true)
      assert.equal(cosignMissing.code, 1)
      assert.match(cosignMissing.stderr, new RegExp(`^${image('tags')}: not pulled: no cosign signature found \\(signature policy .*\\)\n$`))
      assert.equal(neither.code, 1)
      assert.equal(neither.stderr.trim().split('\n').length, 1, neither.stderr)
      assert.equal(await imageExists(image('tags')), false)
      assert.equal(await imageExists(image('identity')), false)
    })

    it('under permissive, pulls an image whose leaf has expired with a WARNING line', async () => {
      const result = await pull(['-q', '--notation-config', home.dir, image('expiring')])
      assert.equal(result.code, 0, result.stderr)
      const [warning, ...rest] = result.stderr.trim().split('\n')
      assert.match(warning, new RegExp(`^WARNING: ${image('expiring')}: notation: authenticTimestamp validation failed with validation action set to "logged": certificate "C=US, ST=WA, L=Seattle, O=Acme, CN=dkr e2e signer" is not valid now: valid from \\S+ to \\S+$`))
      // -q: the warning alone on stderr, exactly the reference on stdout.
      assert.deepEqual([rest, result.stdout], [[], `${image('expiring')}\n`])
      assert.equal(await imageExists(image('expiring')), true)
    })

    it('with -a, pulls the signed tag by digest and refuses the unsigned one in its line', async () => {
      const result = await pull(['-a', '-q', '--notation-config', home.dir, name('tags')])
      assert.equal(result.code, 1, result.stdout)
      assert.match(result.stderr, new RegExp(`${image('tags', '2')}: not pulled: notation: no Notary signature is associated with the image \\(notation trust policy ${policyFile()}\\)`))
      assert.equal(await imageExists(image('tags')), true)
      assert.equal(await imageExists(image('tags', '2')), false)
    })
  })
}

describe('notation pull: --json, the preference, a bad trust policy (dockerd)', () => {
  before(removeAllImages)

  it('--json says per image that notation verified it, by which statement, signer and signature', async () => {
    const result = await pull(['--json', '--notation-config', home.dir, image('signed')])
    assert.equal(result.code, 0, result.stderr)
    const [pulled] = (JSON.parse(result.stdout) as {images: {digest: string; verification: Record<string, unknown>[]}[]}).images
    assert.equal(pulled.digest, digests.signed)
    assert.deepEqual(pulled.verification, [{
      check: 'notation', digest: digests.signed, level: 'strict', policy: policyFile(), reference: image('signed'), scope: 'acme',
      signature: pulled.verification[0].signature, signer: 'C=US, ST=WA, L=Seattle, O=Acme, CN=dkr e2e signer', verified: true, warnings: [],
    }])
    assert.match(String(pulled.verification[0].signature), /^sha256:[0-9a-f]{64}$/)
  })

  it('the notationConfig preference `default` reads notation\'s own directory ($NOTATION_CONFIG), shown by dkr config list', async () => {
    const env = baseEnv({NOTATION_CONFIG: home.dir, XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'dkr-notation-prefs-'))})
    assert.equal((await dkr(['config', 'set', 'notationConfig', 'default'], {env})).code, 0)
    assert.match((await dkr(['config', 'list'], {env})).stdout, /\nnotationConfig +default +dkr config\n/)
    const refused = await pull(['-q', image('stranger')], env)
    assert.equal(refused.code, 1)
    assert.ok(refused.stderr.startsWith(`${image('stranger')}: not pulled: notation: `), refused.stderr)
    assert.equal(await imageExists(image('stranger')), false)
  })

  it('an empty --notation-config, a trust policy that does not parse, or none, fails in one line before anything is pulled', async () => {
    const empty = await pull(['--notation-config', '', image('signed')])
    assert.deepEqual([empty.code, empty.stderr], [1, '--notation-config: expected a notation configuration directory, or default\n'])
    const dir = mkdtempSync(join(tmpdir(), 'dkr-notation-bad-'))
    const missing = await pull(['--notation-config', dir, image('signed')])
    assert.equal(missing.code, 1)
    assert.equal(missing.stderr, `notation trust policy ${join(dir, 'trustpolicy.oci.json')}: no such file (create one with \`notation policy import\`)\n`)
    mkdirSync(dir, {recursive: true})
    writeFileSync(join(dir, 'trustpolicy.oci.json'), '{"version": "1.0", "trustPolicies": [')
    const bad = await pull(['--notation-config', dir, image('signed')])
    assert.equal(bad.code, 1)
    assert.equal(bad.stdout, '')
    assert.match(bad.stderr, new RegExp(`^notation trust policy ${join(dir, 'trustpolicy.oci.json')}: [^\n]+\n$`))
  })
})
