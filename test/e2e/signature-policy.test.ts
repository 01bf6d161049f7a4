// Pulls verified by a containers-policy.json against the images scripts/seed-signatures signed with the
// real cosign 3 on the stack's registries, on every engine of the matrix: each case accepted or refused
// as it should be, with nothing pulled on refusal, and `cosign verify` as the oracle of each verdict.
import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {before, describe, it} from 'node:test'
import {helperPath} from '../helpers/credentials.js'
import {describeEngine, enginesUnderTest} from '../helpers/engines.js'
import {NotationHome} from '../helpers/notation.js'
import {pushRandomImage} from '../helpers/random-image.js'
import {baseEnv, dkr, docker, run, tempConfigDir} from '../helpers/run.js'
import {imageExists, removeAllImages, removeImages, required, stack} from '../helpers/stack.js'

const keys = () => required('DKR_COSIGN_KEYS')
const tools = () => required('DKR_TOOLS_PATH')
const sig = (name: string) => `${stack.registry}/sig/${name}`

function writePolicy(document: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'dkr-sigpolicy-'))
  const path = join(dir, 'policy.json')
  writeFileSync(path, JSON.stringify(document))
  return path
}

const signedBy = (...names: string[]) => [{keyPaths: names.map((n) => join(keys(), `${n}.pub`)), signedIdentity: {type: 'matchRepository'}, type: 'sigstoreSigned'}]

/** The policy most cases use: sig/ needs k1 or the RSA key, demo/ is open, the rest is rejected. */
const mainPolicy = () => {
  // cosign signed it as 127.0.0.1:PORT/private/signed; podman's pulls name the registry localhost:PORT.
  const signedAs = `${stack.privateRegistry.replace('localhost:', '127.0.0.1:')}/private/signed`
  const privateSigned = [{keyPath: join(keys(), 'k1.pub'), signedIdentity: {dockerRepository: signedAs, type: 'exactRepository'}, type: 'sigstoreSigned'}]
  const podmanPrivate = stack.privateRegistry.replace('127.0.0.1:', 'localhost:')
  return writePolicy({
    default: [{type: 'reject'}],
    transports: {docker: {[`${stack.registry}/demo`]: [{type: 'insecureAcceptAnything'}], [`${stack.registry}/sig`]: signedBy('k1', 'rsa'), [`${stack.privateRegistry.replace('localhost:', '127.0.0.1:')}/private`]: privateSigned, [`${podmanPrivate}/private`]: privateSigned}},
  })
}

/** A DOCKER_CONFIG logged in to the private registry under both names the engines use. */
function loggedInConfig(): string {
  const dir = tempConfigDir()
  const auth = Buffer.from(`${stack.privateUser}:${stack.privatePassword}`).toString('base64')
  const port = stack.privateRegistry.split(':')[1]
  writeFileSync(join(dir, 'config.json'), JSON.stringify({auths: {[`127.0.0.1:${port}`]: {auth}, [`localhost:${port}`]: {auth}}}))
  return dir
}

async function digestOf(image: string): Promise<string> {
  const result = await run(join(tools().split(':')[0], 'crane'), ['digest', '--insecure', image], {env: baseEnv({DOCKER_CONFIG: loggedInConfig()})})
  assert.equal(result.code, 0, result.stderr)
  return result.stdout.trim()
}

/** `cosign verify` with a key, offline: the oracle (it checks digests and keys, never repositories). */
async function cosignAccepts(image: string, key: string): Promise<boolean> {
  const result = await run(join(tools().split(':')[0], 'cosign'), ['verify', '--key', join(keys(), `${key}.pub`), '--insecure-ignore-tlog', '--allow-insecure-registry', image], {env: baseEnv({DOCKER_CONFIG: loggedInConfig()})})
  return result.code === 0
}

interface Case {
  image: string
  /** The key the oracle checks with. */
  key: string
  accepted: boolean
  reason?: RegExp
  /** Where dkr is stricter than `cosign verify` (which ignores repositories). */
  cosignAccepts?: boolean
}

const cases = (): Case[] => [
  {accepted: true, image: sig('bundle:1.0'), key: 'k1'},
  {accepted: true, image: sig('legacy:1.0'), key: 'k1'},
  {accepted: true, image: sig('rsa-bundle:1.0'), key: 'rsa'},
  {accepted: true, image: sig('rsa-legacy:1.0'), key: 'rsa'},
  {accepted: true, image: sig('multi:1.0'), key: 'k1'},
  {accepted: true, image: sig('moved:1.0'), key: 'k1'},
  {accepted: false, image: sig('unsigned:1.0'), key: 'k1', reason: /: no cosign signature found/},
  {accepted: false, image: sig('otherkey:1.0'), key: 'k1', reason: /: no acceptable signature: found a (bundle|signature) (signed )?by none of the accepted keys/},
  {accepted: false, image: sig('moved:2.0'), key: 'k1', reason: /: no acceptable signature: found a signature for another digest \(sha256:[0-9a-f]{64}\)/},
  {accepted: false, cosignAccepts: true, image: sig('copied:1.0'), key: 'k1', reason: new RegExp(`: no acceptable signature: found a signature for ${stack.registry}/sig/legacy, which signedIdentity matchRepository does not accept for ${stack.registry}/sig/copied:1.0`)},
  {accepted: false, image: sig('corrupt:1.0'), key: 'k1', reason: /: no acceptable signature: found a signature by none of the accepted keys/},
]

const nameOf = (image: string) => image.slice(0, image.lastIndexOf(':'))

describe('signature policy: cosign verify agrees on every seeded case', () => {
  it('accepts what dkr accepts, refuses what dkr refuses, except the copied repository (identity is the policy\'s)', async () => {
    const verdicts = []
    for (const c of cases()) verdicts.push([c.image, await cosignAccepts(c.image, c.key)])
    assert.deepEqual(verdicts, cases().map((c) => [c.image, c.cosignAccepts ?? c.accepted]))
    assert.equal(await cosignAccepts(`${stack.privateRegistry}/private/signed:1.0`, 'k1'), true)
  })
})

for (const engine of enginesUnderTest()) {
  describeEngine(engine, 'signature policy', () => {
    before(removeAllImages)
    const env = () => baseEnv({DOCKER_CONFIG: loggedInConfig()})

    it('pulls each signed case by its verified digest and tags it; refuses the others in one line, pulling nothing', async () => {
      const policy = mainPolicy()
      for (const c of cases()) {
        const result = await dkr(['pull', '--signature-policy', policy, c.image], {env: env(), timeoutMs: 120_000})
        if (c.accepted) {
          const digest = await digestOf(c.image)
          assert.equal(result.code, 0, `${c.image}: ${result.stderr}`)
          assert.ok(result.stdout.startsWith(`Pull (1 of 1): ${c.image}@${digest}\n`), result.stdout)
          assert.ok(result.stdout.endsWith(`\n${c.image}\n`), result.stdout)
          assert.ok(result.stderr.includes(`Tagging ${nameOf(c.image)}@${digest} as ${c.image}\n`), result.stderr)
          const inspected = await docker(['image', 'inspect', '--format', '{{join .RepoDigests ","}}', c.image], {env: baseEnv()})
          assert.ok(inspected.stdout.includes(`${nameOf(c.image)}@${digest}`), `${c.image}: ${inspected.stdout}`)
        } else {
          assert.equal(result.code, 1, `${c.image}: ${result.stdout}`)
          assert.match(result.stderr, c.reason!)
          assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr)
          assert.ok(result.stderr.startsWith(`${c.image}: not pulled: `), result.stderr)
          assert.ok(result.stderr.trim().endsWith(`(signature policy ${policy})`), result.stderr)
          assert.equal(result.stdout, '')
          assert.equal(await imageExists(c.image), false, `${c.image} was pulled`)
        }
      }
    })

    it('--json counts what a verified pull downloaded: bytes, or unsizedLayers where the engine gives no size', async () => {
      // A layer no engine has seen (the stack's images share theirs), signed with a key of the test's own.
      const repository = `fresh/${engine.kind}-${randomBytes(4).toString('hex')}`
      const image = `${stack.registry}/${repository}:1.0`
      await pushRandomImage(stack.registry, repository, '1.0', 300_000)
      const home = new NotationHome()
      await home.cosignSign(image)
      const policy = writePolicy({default: [{type: 'reject'}], transports: {docker: {[`${stack.registry}/fresh`]: [{keyPath: home.cosignKey, signedIdentity: {type: 'matchRepository'}, type: 'sigstoreSigned'}]}}})
      const result = await dkr(['pull', '--json', '--signature-policy', policy, image], {env: env(), timeoutMs: 120_000})
      assert.equal(result.code, 0, result.stderr)
      const [pulled] = (JSON.parse(result.stdout) as {images: {status: string; bytes: number; unsizedLayers?: number; verification: {verified: boolean}[]}[]}).images
      // podman's stream does not say what it downloaded: 'pulled', and nothing to count.
      assert.deepEqual([pulled.status, pulled.verification.map((v) => v.verified)], [engine.kind === 'podman' ? 'pulled' : 'downloaded', [true]])
      if (pulled.status === 'downloaded') assert.ok(pulled.bytes > 0 || (pulled.unsizedLayers ?? 0) > 0, JSON.stringify(pulled))
    })

    it('verifies a signed image in the private registry with the stored login, by the exactRepository rule', async () => {
      const image = `${engine.privateRegistry}/private/signed:1.0`
      const result = await dkr(['pull', '-q', '--signature-policy', mainPolicy(), image], {env: env(), timeoutMs: 120_000})
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stdout, `${image}\n`)
      assert.equal(await imageExists(image), true)
    })
  })
}

describe('signature policy: flags, preference, scopes, formats of output (dockerd)', () => {
  before(removeAllImages)

  it('without credentials the private registry refuses to show the signatures, and nothing is pulled', async () => {
    const image = `${stack.privateRegistry}/private/signed:1.0`
    const result = await dkr(['pull', '--signature-policy', mainPolicy(), image], {env: baseEnv()})
    assert.equal(result.code, 1)
    assert.match(result.stderr, new RegExp(`^${image}: not pulled: cannot read signatures: unauthorized: authentication required \\(signature policy .*\\)\nRun 'dkr login ${stack.privateRegistry}' to log in, then pull again\n$`))
    assert.equal(await imageExists(image), false)
  })

  it('a credential helper is asked once for a verified pull: the signatures and the pull by digest share its answer', async () => {
    const bin = helperPath(['dkrtest'])
    writeFileSync(bin.store, JSON.stringify({[stack.privateRegistry]: {Secret: stack.privatePassword, Username: stack.privateUser}}))
    const configDir = tempConfigDir()
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({credsStore: 'dkrtest'}))
    const image = `${stack.privateRegistry}/private/signed:1.0`
    const env = baseEnv({DKR_TEST_HELPER_STORE: bin.store, DOCKER_CONFIG: configDir, PATH: bin.path})
    const result = await dkr(['pull', '-q', '--signature-policy', mainPolicy(), image], {env, timeoutMs: 120_000})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(await imageExists(image), true)
    assert.deepEqual(bin.calls(), [`get ${stack.privateRegistry}`])
    await removeImages(image)
  })

  it('--json says per image whether and how it was verified', async () => {
    const policy = mainPolicy()
    const result = await dkr(['pull', '--json', '--signature-policy', policy, sig('bundle:1.0'), sig('legacy:1.0'), `${stack.registry}/demo/app:1.0`, sig('unsigned:1.0')], {env: baseEnv(), timeoutMs: 120_000})
    assert.equal(result.code, 1)
    const {images} = JSON.parse(result.stdout) as {images: {reference: string; status: string; error?: string; verification?: {verified: boolean; accepted?: string; scope: string; signatures: {format: string; key: string; keyType: string}[]}[]}[]}
    const summary = images.map((i) => [i.reference, i.status, i.verification?.map((v) => [v.verified, v.accepted ?? v.signatures.map((s) => `${s.format} ${s.keyType} ${s.key}`).join(), v.scope])])
    assert.deepEqual(summary, [
      [sig('bundle:1.0'), 'downloaded', [[true, `bundle ecdsa-p256 ${join(keys(), 'k1.pub')}`, `${stack.registry}/sig`]]],
      [sig('legacy:1.0'), 'downloaded', [[true, `simplesigning ecdsa-p256 ${join(keys(), 'k1.pub')}`, `${stack.registry}/sig`]]],
      [`${stack.registry}/demo/app:1.0`, summary[2][1], [[false, 'insecureAcceptAnything', `${stack.registry}/demo`]]],
      [sig('unsigned:1.0'), 'failed', undefined],
    ])
    assert.match(images[3].error!, /no cosign signature found/)
  })

  it('a scope that accepts anything pulls as without a policy; the default reject refuses the rest', async () => {
    const policy = mainPolicy()
    const open = await dkr(['pull', '-q', '--signature-policy', policy, `${stack.registry}/demo/small:1.0`], {env: baseEnv()})
    assert.deepEqual([open.code, open.stdout], [0, `${stack.registry}/demo/small:1.0\n`])
    const rejected = await dkr(['pull', '--signature-policy', policy, `${stack.registry}/notary-less/app:1.0`], {env: baseEnv()})
    assert.deepEqual([rejected.code, rejected.stderr], [1, `${stack.registry}/notary-less/app:1.0: not pulled: the policy rejects images in scope default (signature policy ${policy})\n`])
  })

  it('the most specific scope wins: a repository over its namespace, a tag over its repository', async () => {
    const policy = writePolicy({default: [{type: 'reject'}], transports: {docker: {[sig('bundle:1.0')]: [{type: 'reject'}], [`${stack.registry}/sig`]: signedBy('k1'), [`${stack.registry}/sig/unsigned`]: [{type: 'insecureAcceptAnything'}]}}})
    const unsigned = await dkr(['pull', '-q', '--signature-policy', policy, sig('unsigned:1.0')], {env: baseEnv()})
    assert.deepEqual([unsigned.code, unsigned.stdout], [0, `${sig('unsigned:1.0')}\n`], unsigned.stderr)
    const tagRejected = await dkr(['pull', '--signature-policy', policy, sig('bundle:1.0')], {env: baseEnv()})
    assert.equal(tagRejected.stderr, `${sig('bundle:1.0')}: not pulled: the policy rejects images in scope ${sig('bundle:1.0')} (signature policy ${policy})\n`)
  })

  it('verifies a digest reference as it is and pulls it by digest', async () => {
    await removeAllImages()
    const policy = mainPolicy()
    const digest = await digestOf(sig('bundle:1.0'))
    const signed = await dkr(['pull', '-q', '--signature-policy', policy, `${sig('bundle')}@${digest}`], {env: baseEnv()})
    assert.deepEqual([signed.code, signed.stdout], [0, `${sig('bundle')}@${digest}\n`], signed.stderr)
    const unsignedDigest = await digestOf(sig('unsigned:1.0'))
    const unsigned = await dkr(['pull', '-q', '--signature-policy', policy, `${sig('unsigned')}@${unsignedDigest}`], {env: baseEnv()})
    assert.equal(unsigned.code, 1)
    assert.equal(unsigned.stderr, `${sig('unsigned')}@${unsignedDigest}: not pulled: no cosign signature found (signature policy ${policy})\n`)
    assert.equal(await imageExists(`${sig('unsigned')}@${unsignedDigest}`), false)
  })

  it('-a verifies each tag: every signed tag pulled and tagged; a refused tag reported and the command fails', async () => {
    const policy = mainPolicy()
    const all = await dkr(['pull', '-a', '-q', '--signature-policy', policy, sig('all')], {env: baseEnv(), timeoutMs: 120_000})
    assert.equal(all.code, 0, all.stderr)
    // -q prints exactly the name pulled, without docker's trusted-pull lines.
    assert.deepEqual([all.stdout, all.stderr], [`${sig('all')}\n`, ''])
    assert.ok(await imageExists(sig('all:1.0')))
    assert.ok(await imageExists(sig('all:1.1')))
    const moved = await dkr(['pull', '-a', '-q', '--signature-policy', policy, sig('moved')], {env: baseEnv(), timeoutMs: 120_000})
    assert.equal(moved.code, 1)
    assert.match(moved.stderr, new RegExp(`^${sig('moved:2.0')}: not pulled: no acceptable signature: found a signature for another digest`, 'm'))
    assert.ok(await imageExists(sig('moved:1.0')))
    assert.equal(await imageExists(sig('moved:2.0')), false)
  })

  it('the signaturePolicy preference applies to pulls and is shown by dkr config list', async () => {
    const xdg = mkdtempSync(join(tmpdir(), 'dkr-xdg-'))
    mkdirSync(join(xdg, 'dkr'))
    const env = baseEnv({XDG_CONFIG_HOME: xdg})
    const policy = mainPolicy()
    assert.equal((await dkr(['config', 'set', 'signaturePolicy', policy], {env})).code, 0)
    const listed = await dkr(['config', 'list'], {env})
    assert.match(listed.stdout, new RegExp(`^signaturePolicy +${policy.replaceAll('/', '\\/')} +dkr config$`, 'm'))
    const refused = await dkr(['pull', sig('otherkey:1.0')], {env})
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /otherkey:1\.0: not pulled: no acceptable signature/)
    // The flag wins over the preference.
    const flagged = await dkr(['pull', '-q', '--signature-policy', writePolicy({default: [{type: 'insecureAcceptAnything'}]}), sig('otherkey:1.0')], {env})
    assert.equal(flagged.code, 0, flagged.stderr)
  })

  it('a policy file that does not parse, or names a key that is not there: one line naming the file, nothing pulled', async () => {
    const broken = join(mkdtempSync(join(tmpdir(), 'dkr-sigpolicy-')), 'policy.json')
    writeFileSync(broken, '{"default": [{"type": "sigstoreSigned", "keyPath": "missing.pub"}]}')
    const result = await dkr(['pull', '--signature-policy', broken, sig('bundle:1.0')], {env: baseEnv()})
    assert.deepEqual([result.code, result.stdout, result.stderr], [1, '', `invalid signature policy ${broken}: default[0]: cannot read key ${join(broken, '..', 'missing.pub')}: ENOENT\n`])
    const missing = await dkr(['pull', '--signature-policy', '/nonexistent/policy.json', sig('bundle:1.0')], {env: baseEnv()})
    assert.deepEqual([missing.code, missing.stderr], [1, 'invalid signature policy /nonexistent/policy.json: no such file\n'])
  })

  it('a requirement dkr cannot check (signedBy GPG) refuses the pull in one line, never skips', async () => {
    await removeImages(sig('bundle:1.0'))
    const policy = writePolicy({default: [{keyPath: '/etc/pki/key.gpg', keyType: 'GPGKeys', type: 'signedBy'}]})
    const result = await dkr(['pull', '--signature-policy', policy, sig('bundle:1.0')], {env: baseEnv()})
    assert.deepEqual([result.code, result.stderr], [1, `${sig('bundle:1.0')}: not pulled: the policy requires signedBy (GPG signatures), which dkr cannot check (signature policy ${policy})\n`])
    assert.equal(await imageExists(sig('bundle:1.0')), false)
  })
})

describe('signature policy on a registry with token auth (dockerd)', () => {
  before(removeAllImages)
  const registry = () => required('DKR_TOKEN_REGISTRY')
  const policy = () => writePolicy({default: [{type: 'reject'}], transports: {docker: {[registry()]: signedBy('k1')}}})
  const loggedIn = () => {
    const dir = tempConfigDir()
    const auth = Buffer.from(`${required('DKR_TOKEN_USER')}:${required('DKR_TOKEN_PASSWORD')}`).toString('base64')
    writeFileSync(join(dir, 'config.json'), JSON.stringify({auths: {[registry()]: {auth}}}))
    return dir
  }

  it('trades the stored login for a bearer token, verifies, and pulls (cosign verify agrees)', async () => {
    const image = `${registry()}/private/app:1.0`
    const result = await dkr(['pull', '--json', '--signature-policy', policy(), image], {env: baseEnv({DOCKER_CONFIG: loggedIn()})})
    assert.equal(result.code, 0, result.stderr)
    const [only] = (JSON.parse(result.stdout) as {images: {verification: {verified: boolean; signatures: {format: string}[]}[]}[]}).images
    assert.deepEqual(only.verification.map((v) => [v.verified, v.signatures.map((s) => s.format)]), [[true, ['bundle']]])
    assert.equal(await imageExists(image), true)
    const oracle = await run(join(tools().split(':')[0], 'cosign'), ['verify', '--key', join(keys(), 'k1.pub'), '--insecure-ignore-tlog', '--allow-insecure-registry', image], {env: baseEnv({DOCKER_CONFIG: loggedIn()})})
    assert.equal(oracle.code, 0, oracle.stderr)
  })

  it('gets an anonymous token where the issuer grants anonymous pulls', async () => {
    const image = `${registry()}/public/app:1.0`
    const result = await dkr(['pull', '-q', '--signature-policy', policy(), image], {env: baseEnv()})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, `${image}\n`)
  })

  it('refuses, pulling nothing, when anonymous callers may not read, or the image is unsigned', async () => {
    const anonymous = await dkr(['pull', '--signature-policy', policy(), `${registry()}/private/app:1.0`], {env: baseEnv()})
    assert.equal(anonymous.code, 1)
    assert.match(anonymous.stderr, new RegExp(`^${registry()}/private/app:1.0: not pulled: cannot read signatures: HEAD manifest private/app:1.0: 401 UNAUTHORIZED`))
    const unsigned = await dkr(['pull', '--signature-policy', policy(), `${registry()}/private/unsigned:1.0`], {env: baseEnv({DOCKER_CONFIG: loggedIn()})})
    assert.equal(unsigned.code, 1)
    assert.match(unsigned.stderr, /private\/unsigned:1\.0: not pulled: no cosign signature found/)
    assert.equal(await imageExists(`${registry()}/private/unsigned:1.0`), false)
  })
})
