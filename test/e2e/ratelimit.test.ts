// Docker Hub's pull rate limit, against the stack's rate-limit proxy (scripts/ratelimit-proxy.mjs: Hub's
// headers and 429s in front of the token-auth registry): `dkr image ratelimit` in text and JSON, with and
// without the headers, anonymous and logged in; then pulls on every real engine that hit the quota 429
// (one line, never retried) and the short abuse 429 (retried, by dkr or by the engine itself).
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, afterEach, before, describe, it} from 'node:test'
import {describeEngine, enginesUnderTest} from '../helpers/engines.js'
import {pushRandomImage} from '../helpers/random-image.js'
import {runInPty} from '../helpers/pty.js'
import {baseEnv, dkr, dkrBin, run, tempConfigDir} from '../helpers/run.js'
import {imageExists, removeImages, required} from '../helpers/stack.js'

const proxy = () => required('DKR_RATELIMIT_REGISTRY')
const publicImage = () => `${proxy()}/public/app:1.0`
const privateImage = () => `${proxy()}/private/app:1.0`

interface ProxyState {
  pulls: Record<string, number>
  /** Manifest GETs by the client's User-Agent product (`dkr`, `docker`, `containers`). */
  manifestGets: Record<string, number>
  abuse: number
}

/** Steers the proxy (`headers`, `remaining`, `abuse`, `quotaRetryAfter`, `reset`) and returns its state. */
async function steer(settings: Record<string, string | number> = {}): Promise<ProxyState> {
  const query = new URLSearchParams(Object.entries(settings).map(([key, value]) => [key, String(value)]))
  const response = await fetch(`http://${proxy()}/__ratelimit?${query}`)
  return (await response.json()) as ProxyState
}

/** A DOCKER_CONFIG holding the token registry's user for `registry`, as `docker login` stores it. */
function loggedInEnv(registry = proxy()): NodeJS.ProcessEnv {
  const dir = tempConfigDir()
  const auth = Buffer.from(`${required('DKR_TOKEN_USER')}:${required('DKR_TOKEN_PASSWORD')}`).toString('base64')
  writeFileSync(join(dir, 'config.json'), JSON.stringify({auths: {[registry]: {auth}}}))
  return baseEnv({DOCKER_CONFIG: dir})
}

const freshImages: string[] = []
/**
 * A tag no engine has seen, in the token registry's `public/` or `private/`, named through the proxy:
 * every engine keeps manifests by digest and, finding one, skips the manifest GET that Hub counts.
 */
async function freshImage(area: 'public' | 'private', size = 64 * 1024): Promise<string> {
  const tag = `${process.pid}-${freshImages.length}`
  await pushRandomImage(required('DKR_REGISTRY'), 'fresh/ratelimit', tag, size)
  const token = required('DKR_TOKEN_REGISTRY')
  const env = {...loggedInEnv(token), PATH: `${required('DKR_TOOLS_PATH')}:${process.env.PATH}`}
  const copied = await run('crane', ['copy', `${required('DKR_REGISTRY')}/fresh/ratelimit:${tag}`, `${token}/${area}/ratelimit:${tag}`], {env})
  assert.equal(copied.code, 0, copied.stderr)
  freshImages.push(`${proxy()}/${area}/ratelimit:${tag}`)
  return freshImages.at(-1)!
}

const retryLines = (text: string) => text.split('\n').filter((line) => line.startsWith('Retrying '))

describe('dkr image ratelimit', () => {
  before(() => steer({reset: 1}))
  afterEach(() => steer({reset: 1}))

  it('anonymous: the limit, what remains, the window and the source, in docker-style lines', async () => {
    await steer({remaining: 42})
    const result = await dkr(['image', 'ratelimit', publicImage()])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(
      result.stdout,
      [`Registry:      ${proxy()}`, `Image:         ${publicImage()}`, 'Credentials:   anonymous', 'Limit:         100 pulls per 6 hours', 'Remaining:     42', 'Source:        127.0.0.1', ''].join('\n'),
    )
  })

  it('--format json: the same facts, and the HEAD it asks with is not counted as a pull', async () => {
    await steer({remaining: 42})
    const first = await dkr(['image', 'ratelimit', '--format', 'json', publicImage()])
    const second = await dkr(['image', 'ratelimit', '--format', 'json', publicImage()])
    assert.equal(first.code, 0, first.stderr)
    const expected = {authenticated: false, limit: 100, reference: publicImage(), registry: proxy(), remaining: 42, source: '127.0.0.1', windowSeconds: 21600}
    assert.deepEqual(JSON.parse(first.stdout), expected)
    assert.deepEqual(JSON.parse(second.stdout), expected)
    assert.deepEqual((await steer()).pulls, {})
  })

  it("logged in: the account's limit and the account as the source", async () => {
    const env = loggedInEnv()
    const text = await dkr(['image', 'ratelimit', privateImage()], {env})
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /^Credentials: {3}logged in\nLimit: {9}200 pulls per 6 hours\nRemaining: {5}200\nSource: {8}dkr-token\n$/m)
    const json = await dkr(['image', 'ratelimit', '-f', 'json', privateImage()], {env})
    assert.deepEqual(JSON.parse(json.stdout), {authenticated: true, limit: 200, reference: privateImage(), registry: proxy(), remaining: 200, source: 'dkr-token', windowSeconds: 21600})
    const template = await dkr(['image', 'ratelimit', '--format', '{{.remaining}}/{{.limit}}', privateImage()], {env})
    assert.equal(template.stdout, '200/200\n')
  })

  it('a registry that reports no limit: said so, and null in JSON', async () => {
    await steer({headers: 0})
    const text = await dkr(['image', 'ratelimit', publicImage()])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /^Limit: {9}none reported\n$/m)
    assert.doesNotMatch(text.stdout, /Remaining|Source/)
    const json = await dkr(['image', 'ratelimit', '--format', 'json', `${required('DKR_REGISTRY')}/demo/app:1.0`])
    assert.deepEqual(JSON.parse(json.stdout), {authenticated: false, limit: null, reference: `${required('DKR_REGISTRY')}/demo/app:1.0`, registry: required('DKR_REGISTRY'), remaining: null, source: null, windowSeconds: null})
  })

  it('a refusal, a bad name, a bad template, an abuse 429: one line each, exit 1 or 125, nothing on stdout', async () => {
    const refused = await dkr(['image', 'ratelimit', privateImage()])
    assert.equal(refused.code, 1)
    assert.equal(refused.stderr, 'HEAD manifest private/app:1.0: 401 UNAUTHORIZED\n')
    const badName = await dkr(['image', 'ratelimit', 'Bad/Name'])
    assert.equal(badName.code, 1)
    assert.equal(badName.stderr.trim().split('\n').length, 1, badName.stderr)
    const badTemplate = await dkr(['image', 'ratelimit', '--format', '{{range .}}', publicImage()])
    assert.equal(badTemplate.code, 1)
    assert.match(badTemplate.stderr, /^unsupported --format template/)
    await steer({abuse: 1, headers: 0})
    const limited = await dkr(['image', 'ratelimit', publicImage()])
    assert.equal(limited.code, 1)
    assert.equal(limited.stderr, 'HEAD manifest public/app:1.0: 429 TOOMANYREQUESTS (the registry refuses requests for now; try again shortly)\n')
    for (const result of [refused, badName, badTemplate, limited]) assert.equal(result.stdout, '')
  })
})

describe('the rateLimit preference on a terminal', () => {
  const columns = 160
  afterEach(() => steer({reset: 1}))
  after(() => removeImages(...freshImages))

  /** A live pull of a fresh 16 MB image through the proxy, with the preference as given. */
  async function livePull(rateLimit: boolean): Promise<string> {
    const env = baseEnv({TERM: 'xterm-256color', XDG_CONFIG_HOME: tempConfigDir()})
    if (rateLimit) assert.equal((await dkr(['config', 'set', 'rateLimit', 'true'], {env})).code, 0)
    const image = await freshImage('public', 16 * 1024 * 1024)
    await steer({remaining: 42})
    const result = await runInPty(process.execPath, [dkrBin, 'pull', image], {columns, env, rows: 30})
    assert.equal(result.exitCode, 0, result.bytes)
    return result.bytes
  }

  it('on: the remaining pulls join the total line while the pull runs, asked with a HEAD that is not a pull', async () => {
    const bytes = await livePull(true)
    // Asked alongside the engine's own manifest GET: the answer counts that pull or not yet.
    assert.match(bytes, /Total: [^\r\n]* {2}4[12] of 100 pulls per 6 hours left/)
    // One pull counted: the engine's manifest GET; dkr's question was a HEAD.
    assert.deepEqual((await steer()).pulls, {'127.0.0.1': 1})
  })

  it('off by default: the total line is as it was', async () => {
    const bytes = await livePull(false)
    assert.match(bytes, /Total: /)
    assert.doesNotMatch(bytes, /pulls per/)
  })
})

for (const engine of enginesUnderTest()) {
  describeEngine(engine, 'pulls that meet Docker Hub\'s 429s', () => {
    before(() => steer({reset: 1}))
    after(async () => {
      await steer({reset: 1})
      await removeImages(publicImage(), `${required('DKR_REGISTRY')}/demo/small:1.0`, ...freshImages)
    })

    it('the quota 429: one line with the limit, the window and the login that raises it; --retry does not retry it', async () => {
      // quotaRetryAfter=0: podman retries any 429 five times itself, from 2 s doubling unless told a delay.
      const image = await freshImage('public')
      await steer({quotaRetryAfter: 0, remaining: 0})
      const started = Date.now()
      const result = await dkr(['pull', '--retry', '3', '--retry-delay', '1s', image])
      assert.equal(result.code, 1)
      assert.equal(result.stderr, `toomanyrequests: pull rate limit reached (100 pulls per 6 hours for 127.0.0.1); logging in raises it: dkr login ${proxy()}\n`)
      assert.deepEqual(retryLines(result.stdout), [])
      assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`)
      // With another name beside it, --json reports the failure in the image's entry.
      const json = await dkr(['pull', '--retry', '3', '--json', image, `${required('DKR_REGISTRY')}/demo/small:1.0`])
      assert.equal(json.code, 1)
      const [refused, other] = (JSON.parse(json.stdout) as {images: {attempts: number; status: string; error?: string}[]}).images
      assert.deepEqual([refused.attempts, refused.status], [1, 'failed'])
      assert.match(refused.error!, /^toomanyrequests: pull rate limit reached \(100 pulls per 6 hours for 127\.0\.0\.1\); logging in raises it/)
      assert.notEqual(other.status, 'failed')
    })

    it('a plain pull of an index spends no quota of dkr\'s own: the platform report asks the engine where it keeps a record, else the registry by HEAD', async () => {
      // demo/platforms:1.0, three platforms, copied under a fresh tag behind the proxy.
      const image = `${proxy()}/public/platforms:${process.pid}-${engine.kind}`
      const token = required('DKR_TOKEN_REGISTRY')
      const env = {...loggedInEnv(token), PATH: `${required('DKR_TOOLS_PATH')}:${process.env.PATH}`}
      const copied = await run('crane', ['copy', `${required('DKR_REGISTRY')}/demo/platforms:1.0`, image.replace(proxy(), token)], {env})
      assert.equal(copied.code, 0, copied.stderr)
      freshImages.push(image)
      await steer({reset: 1})
      const result = await dkr(['pull', image])
      assert.equal(result.code, 0, result.stderr)
      assert.equal((await steer()).manifestGets.dkr, undefined, 'dkr read no manifest')
      // The containerd store keeps the index and which of its manifests it holds; the others keep no such
      // record, and the registry counts manifest GETs: the report stays docker's (the index digest).
      const platformLine = /^Platform linux\/amd64: sha256:[0-9a-f]{64}$/m
      if (engine.kind === 'containerd-store') assert.match(result.stdout, platformLine)
      else assert.doesNotMatch(result.stdout, /^Platform /m)
    })

    it('the quota 429 when logged in: the account\'s limit, and no advice to log in', async () => {
      const image = await freshImage('private')
      await steer({quotaRetryAfter: 0, remaining: 0})
      const result = await dkr(['pull', '-q', image], {env: loggedInEnv()})
      assert.equal(result.code, 1, result.stderr)
      assert.equal(result.stderr, 'toomanyrequests: pull rate limit reached (200 pulls per 6 hours for dkr-token); the limit of the account logged in; it refills as the window passes\n')
    })

    it('the abuse 429 (retry-after: …): retried, by dkr or by the engine itself, and pulled', async () => {
      await removeImages(publicImage())
      // How many manifest requests one failed attempt of this engine makes: a dockerd gives up at once,
      // podman retries a 429 itself (so a few of them never reach dkr).
      let times = 2
      if (engine.kind !== 'podman') {
        await steer({abuse: 100})
        await dkr(['pull', '-q', publicImage()])
        times = 100 - (await steer()).abuse
      }

      await steer({abuse: times, reset: 1})
      const result = await dkr(['pull', '--retry', '3', '--retry-delay', '100ms', '--json', publicImage()], {timeoutMs: 60_000})
      assert.equal(result.code, 0, result.stderr)
      const [image] = (JSON.parse(result.stdout) as {images: {attempts: number}[]}).images
      const lines = retryLines(result.stderr)
      assert.equal(image.attempts, lines.length + 1)
      if (engine.kind !== 'podman') assert.equal(image.attempts, 2, result.stderr)
      for (const line of lines) assert.match(line, /toomanyrequests: retry-after: |429 Too Many Requests/)
      assert.ok(await imageExists(publicImage()))
    })
  })
}
