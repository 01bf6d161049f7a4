// Trusted pulls against the stack's real notary-server (data signed by the real docker CLI), side by
// side with docker, sharing trust caches with it; and a stub Notary serving damaged metadata that dkr
// must refuse without pulling anything.
import assert from 'node:assert/strict'
import {copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {NotaryStub, repositoryKeys, rsaKey, signedRepository, type RepoOptions} from '../helpers/notary-stub.js'
import {baseEnv, dkr, docker, tempConfigDir, type RunResult} from '../helpers/run.js'
import {describeEngine, enginesUnderTest} from '../helpers/engines.js'
import {imageExists, removeImages, stack} from '../helpers/stack.js'

const repo = () => `${stack.registry}/signed/app`
const trustEnv = (extra: NodeJS.ProcessEnv = {}) => baseEnv({DOCKER_CONTENT_TRUST: '1', DOCKER_CONTENT_TRUST_SERVER: stack.notaryServer, ...extra})

const layerLine = /^[0-9a-f]{12}: /
const layerOutcome = /^[0-9a-f]{12}: (Pull complete|Already exists)$/

/**
 * What a run printed. Layers finish in any order and the engine sends intermediate steps (Verifying
 * Checksum) only sometimes, so per layer only its outcome is compared, sorted.
 */
const outputOf = (result: RunResult, options: {anyOrder?: boolean} = {}) => {
  const lines = result.stdout.split('\n')
  let stdout = lines.filter((l) => !layerLine.test(l))
  let stderr = result.stderr
  if (options.anyOrder) {
    // With -a docker walks the signed tags in Go map order, which changes from run to run: compare
    // what was pulled and tagged, not the order (the final line still has to be the bare name).
    stdout = [...stdout.slice(0, -2).map((l) => l.replace(/^Pull \(\d+ of/, 'Pull (? of')).sort(), ...stdout.slice(-2)]
    stderr = stderr.split('\n').sort().join('\n')
  }

  return {code: result.code, layers: lines.filter((l) => layerOutcome.test(l)).sort(), stderr, stdout}
}

/** Every image of `repository`, by tag and by ID (an image pulled by digest alone has no tag; podman keeps an image while its digest name is left). */
async function removeRepository(repository: string, tags: readonly string[]): Promise<void> {
  await removeImages(...tags.map((tag) => `${repository}:${tag}`))
  const listed = await docker(['image', 'ls', '-q', '--filter', `reference=${repository}`], {env: baseEnv()})
  const ids = [...new Set(listed.stdout.split('\n').filter(Boolean))]
  if (ids.length > 0) await removeImages(...ids)
}

const removeSigned = () => removeRepository(repo(), ['1.0', '2.0', 'unsigned', 'latest'])

describe('trusted pull (DOCKER_CONTENT_TRUST=1), failing before any pull', () => {
  it('Notary down and nothing cached: docker\'s error, exit 1', async () => {
    const env = trustEnv({DOCKER_CONTENT_TRUST_SERVER: 'https://127.0.0.1:1'})
    const [ours, theirs] = [await dkr(['pull', `${repo()}:1.0`], {env}), await docker(['pull', `${repo()}:1.0`], {env})]
    assert.equal(ours.code, 1)
    assert.deepEqual(outputOf(ours), outputOf(theirs))
  })

  it('checks the Notary certificate for a registry that is not loopback, with extra CAs from $DOCKER_CONFIG/tls/<host:port>', async () => {
    // The `.invalid` registry is never contacted: trust fails (or finds nothing) before any pull.
    const name = 'dkr-test.invalid/signed/app:1.0'
    const configDir = tempConfigDir()
    const env = trustEnv({DOCKER_CONFIG: configDir})
    const [ours, theirs] = [await dkr(['pull', name], {env}), await docker(['pull', name], {env})]
    assert.equal(ours.stderr, 'Error: error contacting notary server: tls: failed to verify certificate: x509: certificate signed by unknown authority\n')
    assert.equal(ours.stderr, theirs.stderr)
    const caDir = join(configDir, 'tls', new URL(stack.notaryServer).host)
    mkdirSync(caDir, {recursive: true})
    copyFileSync(process.env.DKR_NOTARY_CA!, join(caDir, 'ca.crt'))
    const [oursWithCa, theirsWithCa] = [await dkr(['pull', name], {env}), await docker(['pull', name], {env})]
    assert.equal(oursWithCa.code, 1)
    assert.match(oursWithCa.stderr, /^Error: remote trust data does not exist for dkr-test\.invalid\/signed\/app: /)
    assert.equal(oursWithCa.stderr, theirsWithCa.stderr)
  })

  it('refuses a plain-HTTP trust server as docker does', async () => {
    const env = trustEnv({DOCKER_CONTENT_TRUST_SERVER: 'http://127.0.0.1:1'})
    const [ours, theirs] = [await dkr(['pull', `${repo()}:1.0`], {env}), await docker(['pull', `${repo()}:1.0`], {env})]
    assert.equal(ours.code, 1)
    assert.equal(ours.stderr, theirs.stderr)
  })
})

// Trust is resolved by the client; the engines pull by digest and tag. Each runs the same cases.
for (const engine of enginesUnderTest()) describeEngine(engine, 'trusted pull (DOCKER_CONTENT_TRUST=1)', () => {
  // Podman says `Already exists` for a shared layer only now and then, from one pull to the next: there
  // the layer lines are left out of the comparison, everything else is compared as on the Docker engines.
  const shown = (result: RunResult, options: {anyOrder?: boolean} = {}) => ({...outputOf(result, options), ...(engine.kind === 'podman' ? {layers: []} : {})})
  before(removeSigned)
  after(removeSigned)

  for (const args of [['1.0'], ['2.0'], ['unsigned'], ['latest'], ['-a']]) {
    it(`prints and does what docker does: pull ${args.join(' ')}`, async () => {
      const name = args.at(-1) === '-a' ? repo() : `${repo()}:${args.at(-1)}`
      const flags = args.slice(0, -1).concat(args.at(-1) === '-a' ? ['-a'] : [])
      const theirs = await docker(['pull', ...flags, name], {env: trustEnv()})
      await removeSigned()
      const ours = await dkr(['pull', ...flags, name], {env: trustEnv()})
      await removeSigned()
      const anyOrder = flags.includes('-a')
      assert.deepEqual(shown(ours, {anyOrder}), shown(theirs, {anyOrder}))
    })
  }

  for (const args of [['2.0'], ['-a']]) {
    it(`reads metadata written by the notary CLI (x509 delegation, client-side snapshot) as docker does: pull ${args.join(' ')}`, async () => {
      const cli = `${stack.registry}/notarycli/app`
      const name = args[0] === '-a' ? cli : `${cli}:${args[0]}`
      const flags = args[0] === '-a' ? ['-a'] : []
      const theirs = await docker(['pull', ...flags, name], {env: trustEnv()})
      await removeRepository(cli, ['1.0', '2.0'])
      const ours = await dkr(['pull', ...flags, name], {env: trustEnv()})
      await removeRepository(cli, ['1.0', '2.0'])
      assert.equal(ours.code, 0, ours.stderr)
      const anyOrder = flags.includes('-a')
      assert.deepEqual(shown(ours, {anyOrder}), shown(theirs, {anyOrder}))
    })
  }

  it('ends with the tag pointing at the signed digest (targets/releases wins)', async () => {
    const result = await dkr(['pull', `${repo()}:2.0`], {env: trustEnv()})
    assert.equal(result.code, 0, result.stderr)
    const digest = /@(sha256:[0-9a-f]{64})/.exec(result.stdout)?.[1]
    const inspected = await docker(['image', 'inspect', '--format', '{{join .RepoDigests ","}}', `${repo()}:2.0`], {env: baseEnv()})
    assert.ok(inspected.stdout.includes(`${repo()}@${digest}`), inspected.stdout)
    await removeSigned()
  })

  it('shares the trust cache with docker, both ways, and uses it with docker\'s warning when Notary is down', async () => {
    const shared = tempConfigDir()
    const first = await dkr(['pull', '-q', `${repo()}:1.0`], {env: trustEnv({DOCKER_CONFIG: shared})})
    assert.equal(first.code, 0, first.stderr)
    assert.ok(existsSync(join(shared, 'trust', 'tuf', repo(), 'metadata', 'root.json')))
    await removeSigned()
    const theirs = await docker(['pull', '-q', `${repo()}:1.0`], {env: trustEnv({DOCKER_CONFIG: shared})})
    assert.equal(theirs.code, 0, theirs.stderr)
    await removeSigned()

    const dockerFirst = tempConfigDir()
    assert.equal((await docker(['pull', '-q', `${repo()}:2.0`], {env: trustEnv({DOCKER_CONFIG: dockerFirst})})).code, 0)
    await removeSigned()
    const offline = await dkr(['pull', '-q', `${repo()}:2.0`], {env: trustEnv({DOCKER_CONFIG: dockerFirst, DOCKER_CONTENT_TRUST_SERVER: 'https://127.0.0.1:1'})})
    assert.equal(offline.code, 0, offline.stderr)
    assert.match(offline.stderr, /using cached timestamp/)
    await removeSigned()
  })

  it('-q prints exactly the reference, where docker also prints its Pull and Tagging lines', async () => {
    const ours = await dkr(['pull', '-q', `${repo()}:1.0`], {env: trustEnv()})
    assert.deepEqual([ours.code, ours.stdout, ours.stderr], [0, `${repo()}:1.0\n`, ''])
    await removeSigned()
  })

  it('a digest reference and --disable-content-trust take the plain path', async () => {
    const digest = /@(sha256:[0-9a-f]{64})/.exec((await dkr(['pull', `${repo()}:1.0`], {env: trustEnv()})).stdout)![1]
    await removeSigned()
    const byDigest = await dkr(['pull', '-q', `${repo()}@${digest}`], {env: trustEnv()})
    assert.equal(byDigest.stdout, `${repo()}@${digest}\n`)
    const disabled = await dkr(['pull', '-q', '--disable-content-trust', `${repo()}:unsigned`], {env: trustEnv()})
    assert.equal(disabled.code, 0, disabled.stderr)
    assert.equal(disabled.stdout, `${repo()}:unsigned\n`)
    await removeSigned()
  })
})

describe('trusted pull refuses damaged trust data', () => {
  const stub = new NotaryStub(join(process.env.DKR_STACK_DIR ?? '', 'tls'))
  const gun = () => `${stack.registry}/stubbed/app`
  const digest = `sha256:${'ab'.repeat(32)}`
  before(() => stub.start())
  after(() => stub.stop())

  async function pullFromStub(options: RepoOptions, configDir = tempConfigDir()): Promise<RunResult> {
    stub.files = signedRepository(gun(), digest, options)
    return dkr(['pull', `${gun()}:1.0`], {env: trustEnv({DOCKER_CONFIG: configDir, DOCKER_CONTENT_TRUST_SERVER: stub.url})})
  }

  it('accepts well-signed data (the control case): it gets as far as asking the engine for the digest', async () => {
    const result = await pullFromStub({})
    assert.equal(result.stdout.split('\n')[0], `Pull (1 of 1): ${gun()}:1.0@${digest}`)
    assert.match(result.stderr, /manifest unknown|not found/)
  })

  const cases: [string, RepoOptions, RegExp][] = [
    ['a bad signature on targets', {badTargetsSignature: true}, /insufficient signatures for remote repository .*valid signatures did not meet threshold/],
    ['a root threshold its signatures do not meet', {rootThreshold: 2}, /trust data mismatch .*failed to validate data/],
    ['an expired timestamp', {timestampExpires: new Date(Date.now() - 60_000).toISOString()}, /out-of-date: timestamp expired at/],
    ['expired targets', {targetsExpires: new Date(Date.now() - 60_000).toISOString()}, /out-of-date: targets expired at/],
    ['an unparsable expiry date', {targetsExpires: 'not a date'}, /out-of-date: targets expired at not a date/],
    ['a root certificate naming another repository', {rootName: 'example.invalid/other/app'}, /trust data mismatch .*no valid leaf certificates/],
    ['targets that do not match the hash snapshot signed', {tamperTargets: true}, /trust data mismatch .*checksum for targets did not match/],
    ['targets larger than snapshot signed for', {understateTargetsLength: true}, /trust data mismatch .*more than the \d+ bytes signed for/],
  ]
  for (const [what, options, expected] of cases) {
    it(`refuses ${what}, and pulls nothing`, async () => {
      const result = await pullFromStub(options)
      assert.equal(result.code, 1)
      assert.equal(result.stdout, '')
      assert.match(result.stderr, expected)
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr)
      assert.equal(await imageExists(`${gun()}:1.0`), false)
    })
  }

  it("answers the Notary server's token challenge with the registry's stored login, and fails in one line without it", async () => {
    const login = {password: 'stub-secret', username: 'stub-user'}
    stub.tokenLogin = login
    try {
      const configDir = tempConfigDir()
      writeFileSync(join(configDir, 'config.json'), JSON.stringify({auths: {[stack.registry]: {auth: Buffer.from(`${login.username}:${login.password}`).toString('base64')}}}))
      const result = await pullFromStub({}, configDir)
      assert.equal(result.stdout.split('\n')[0], `Pull (1 of 1): ${gun()}:1.0@${digest}`)
      const anonymous = await pullFromStub({})
      assert.equal(anonymous.code, 1)
      assert.match(anonymous.stderr, /^Error: error contacting notary server: token server https:\/\/127\.0\.0\.1:\d+: 401 UNAUTHORIZED: login required\nRun 'dkr login [\d.:]+' to log in, then pull again\n$/)
    } finally {
      stub.tokenLogin = undefined
    }
  })

  it('refuses a version rollback against its cache', async () => {
    const keys = repositoryKeys(gun())
    const env = trustEnv({DOCKER_CONFIG: tempConfigDir(), DOCKER_CONTENT_TRUST_SERVER: stub.url})
    stub.files = signedRepository(gun(), digest, {targetsVersion: 5}, keys)
    assert.match((await dkr(['pull', `${gun()}:1.0`], {env})).stdout, /^Pull \(1 of 1\)/)
    stub.files = signedRepository(gun(), digest, {targetsVersion: 3}, keys)
    const result = await dkr(['pull', `${gun()}:1.0`], {env})
    assert.equal(result.code, 1)
    assert.equal(result.stderr, `Warning: potential malicious behavior - trust data version is lower than expected for remote repository ${gun()}: targets: version 3 is lower than current version 5\n`)
  })

  it('warns, as docker does, of a root certificate that expires within six months, and pulls', async () => {
    stub.files = signedRepository(gun(), digest, {}, repositoryKeys(gun(), 30))
    const result = await dkr(['pull', `${gun()}:1.0`], {env: trustEnv({DOCKER_CONFIG: tempConfigDir(), DOCKER_CONTENT_TRUST_SERVER: stub.url})})
    assert.equal(result.stdout.split('\n')[0], `Pull (1 of 1): ${gun()}:1.0@${digest}`, result.stderr)
    assert.equal(result.stderr.split('\n')[0], `WARNING: certificate with CN ${gun()} is near expiry`)
    const longLived = await pullFromStub({})
    assert.ok(!longLived.stderr.includes('near expiry'), longLived.stderr)
  })

  it('verifies an RSA-PSS targets key', async () => {
    stub.files = signedRepository(gun(), digest, {}, {...repositoryKeys(gun()), targets: rsaKey()})
    const result = await dkr(['pull', `${gun()}:1.0`], {env: trustEnv({DOCKER_CONFIG: tempConfigDir(), DOCKER_CONTENT_TRUST_SERVER: stub.url})})
    assert.equal(result.stdout.split('\n')[0], `Pull (1 of 1): ${gun()}:1.0@${digest}`, result.stderr)
  })

  /** A config dir whose trust cache holds version 1 of the repository's root, signed with `keys`. */
  async function trustedOnce(keys: ReturnType<typeof repositoryKeys>) {
    const configDir = tempConfigDir()
    const env = trustEnv({DOCKER_CONFIG: configDir, DOCKER_CONTENT_TRUST_SERVER: stub.url})
    stub.files = signedRepository(gun(), digest, {}, keys)
    assert.match((await dkr(['pull', `${gun()}:1.0`], {env})).stdout, /^Pull \(1 of 1\)/)
    const cachedVersion = () => (JSON.parse(readFileSync(join(configDir, 'trust', 'tuf', gun(), 'metadata', 'root.json'), 'utf8')) as {signed: {version: number}}).signed.version
    return {cachedVersion, env}
  }

  it('follows a root rotation signed by the trusted root, and caches the new root', async () => {
    const before = repositoryKeys(gun())
    const {cachedVersion, env} = await trustedOnce(before)
    stub.files = signedRepository(gun(), digest, {rotation: {previousRoot: before.root, version: 2}})
    const result = await dkr(['pull', `${gun()}:1.0`], {env})
    assert.match(result.stdout, /^Pull \(1 of 1\)/, result.stderr)
    assert.equal(cachedVersion(), 2)
  })

  it('follows several rotations since the cached root through <v>.root.json, and refuses when a step is missing', async () => {
    const v1 = repositoryKeys(gun())
    const {cachedVersion, env} = await trustedOnce(v1)
    const v2 = repositoryKeys(gun())
    const second = signedRepository(gun(), digest, {rotation: {previousRoot: v1.root, version: 2}}, v2)
    // Version 3 is signed by version 2's root key only: the cached version 1 can reach it only through 2.
    const third = signedRepository(gun(), digest, {rotation: {previousRoot: v2.root, version: 3}})
    stub.files = new Map([...third, ['2.root', second.get('root')!]])
    const result = await dkr(['pull', `${gun()}:1.0`], {env})
    assert.match(result.stdout, /^Pull \(1 of 1\)/, result.stderr)
    assert.equal(cachedVersion(), 3)

    const fresh = await trustedOnce(v1)
    stub.files = third
    const missing = await dkr(['pull', `${gun()}:1.0`], {env: fresh.env})
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /could not rotate trust to a new trusted root: root version 2 is missing/)
  })

  it('refuses a new root that the trusted root did not sign', async () => {
    const env = trustEnv({DOCKER_CONFIG: tempConfigDir(), DOCKER_CONTENT_TRUST_SERVER: stub.url})
    stub.files = signedRepository(gun(), digest)
    assert.match((await dkr(['pull', `${gun()}:1.0`], {env})).stdout, /^Pull \(1 of 1\)/)
    stub.files = signedRepository(gun(), digest)
    const result = await dkr(['pull', `${gun()}:1.0`], {env})
    assert.equal(result.code, 1)
    assert.match(result.stderr, /trust data mismatch .*could not rotate trust to a new trusted root/)
  })
})
