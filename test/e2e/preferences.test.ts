// dkr's own preferences (conf store under XDG_CONFIG_HOME): the commands, precedence, each key's
// effect on a real pull, broken files; and shell completion.
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {runInPty} from '../helpers/pty.js'
import {FakeEngine} from '../helpers/fake-engine.js'
import {baseEnv, dkr, dkrBin} from '../helpers/run.js'
import {screenOf} from '../helpers/screen.js'
import {describeEngine, enginesUnderTest} from '../helpers/engines.js'
import {removeImages, stack} from '../helpers/stack.js'

/** An environment with its own, empty preferences directory. */
function prefsEnv(extra: NodeJS.ProcessEnv = {}) {
  const xdg = mkdtempSync(join(tmpdir(), 'dkr-xdg-'))
  return {env: baseEnv({XDG_CONFIG_HOME: xdg, ...extra}), file: join(xdg, 'dkr', 'config.json')}
}

async function set(env: NodeJS.ProcessEnv, key: string, value: string): Promise<void> {
  const result = await dkr(['config', 'set', key, value], {env})
  assert.equal(result.code, 0, result.stderr)
}

const image = () => `${stack.registry}/demo/small:1.0`

describe('dkr config', () => {
  it('sets, gets, lists with sources, unsets, and keeps the file private under XDG_CONFIG_HOME', async () => {
    const {env, file} = prefsEnv()
    assert.equal((await dkr(['config', 'path'], {env})).stdout, `${file}\n`)
    await set(env, 'parallel', '6')
    await set(env, 'contentTrust', 'false')
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {contentTrust: false, parallel: 6})
    assert.equal((await dkr(['config', 'get', 'parallel'], {env})).stdout, '6\n')
    const list = await dkr(['config', 'list'], {env: {...env, DOCKER_DEFAULT_PLATFORM: 'linux/arm64'}})
    assert.equal(list.stdout, [
      'KEY               VALUE         SOURCE',
      'color             never         environment (NO_COLOR)',
      'contentTrust      false         dkr config',
      'notationConfig                  default',
      'parallel          6             dkr config',
      'platform          linux/arm64   environment (DOCKER_DEFAULT_PLATFORM)',
      'progress          auto          default',
      'rateLimit         false         default',
      'retry             0             default',
      'signaturePolicy                 default',
      'stallTimeout      5m            default',
      'trustedRoot                     default',
      '',
    ].join('\n'))
    const json = JSON.parse((await dkr(['config', 'list', '--format', 'json'], {env})).stdout) as Record<string, {source: string; value: unknown}>
    assert.deepEqual(json.parallel, {source: 'dkr config', value: 6})
    assert.equal((await dkr(['config', 'unset', 'parallel'], {env})).code, 0)
    assert.equal((await dkr(['config', 'get', 'parallel'], {env})).stdout, '3\n')
  })

  it('refuses unknown keys and bad values with one line, and leaves the file alone', async () => {
    const {env, file} = prefsEnv()
    await set(env, 'progress', 'plain')
    const before = readFileSync(file, 'utf8')
    for (const [args, message] of [
      [['set', 'nosuch', '1'], 'unknown preference "nosuch"; known: color, contentTrust, notationConfig, parallel, platform, progress, rateLimit, retry, signaturePolicy, stallTimeout, trustedRoot'],
      [['set', 'parallel', '65'], 'invalid value "65" for parallel: expected a whole number from 1 to 64'],
      [['set', 'progress', 'fancy'], 'invalid value "fancy" for progress: expected one of auto, tty, plain, quiet, json'],
      [['set', 'contentTrust', 'maybe'], 'invalid value "maybe" for contentTrust: expected true or false'],
      [['set', 'stallTimeout', '30'], 'invalid value "30" for stallTimeout: expected a duration such as 30s, 500ms or 5m, or 0'],
      [['set', 'retry', '-1'], 'invalid value "-1" for retry: expected a whole number from 0 to 100'],
      [['get', 'nosuch'], 'unknown preference "nosuch"; known: color, contentTrust, notationConfig, parallel, platform, progress, rateLimit, retry, signaturePolicy, stallTimeout, trustedRoot'],
    ] as const) {
      const result = await dkr(['config', ...args], {env})
      assert.equal(result.code, 1, args.join(' '))
      assert.equal(result.stderr, `${message}\n`)
    }

    assert.equal(readFileSync(file, 'utf8'), before)
  })

  it('a corrupt or invalid file gives one warning and the defaults, and is kept until something is set', async () => {
    const {env, file} = prefsEnv()
    await set(env, 'progress', 'plain')
    for (const broken of ['{"progress": ', '{"parallel": 99}']) {
      writeFileSync(file, broken)
      const list = await dkr(['config', 'list'], {env})
      assert.equal(list.code, 0)
      assert.match(list.stderr, /^WARNING: ignoring dkr preferences in .*; using the defaults\n$/)
      assert.match(list.stdout, /progress +auto +default/)
      const pull = await dkr(['pull', '-q', image()], {env})
      assert.equal(pull.code, 0, pull.stderr)
      assert.equal(readFileSync(file, 'utf8'), broken)
    }

    const fixed = await dkr(['config', 'set', 'parallel', '2'], {env})
    assert.equal(fixed.stderr, `The unreadable preferences file was kept as ${file}.invalid\n`)
    assert.equal(readFileSync(`${file}.invalid`, 'utf8'), '{"parallel": 99}')
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {parallel: 2})
  })
})

describe('preferences change what a pull does, before or beside the engine', () => {
  const engine = new FakeEngine()
  before(() => engine.start())
  after(() => engine.stop())

  it('platform: flag > DOCKER_DEFAULT_PLATFORM > dkr config', async () => {
    const {env} = prefsEnv({DOCKER_HOST: engine.host})
    await set(env, 'platform', 'linux/arm64')
    await dkr(['pull', '-q', 'x.example/a:1'], {env})
    await dkr(['pull', '-q', 'x.example/a:1'], {env: {...env, DOCKER_DEFAULT_PLATFORM: 'linux/s390x'}})
    await dkr(['pull', '-q', '--platform', 'linux/ppc64le', 'x.example/a:1'], {env: {...env, DOCKER_DEFAULT_PLATFORM: 'linux/s390x'}})
    assert.deepEqual(engine.pulls.slice(-3).map((p) => p.platform), ['linux/arm64', 'linux/s390x', 'linux/ppc64le'])
  })

  it('color always paints errors red in a pipe; NO_COLOR still wins', async () => {
    const {env} = prefsEnv()
    await set(env, 'color', 'always')
    const withoutNoColor = {...env}
    delete withoutNoColor.NO_COLOR
    assert.ok((await dkr(['pull', 'UPPER/case'], {env: withoutNoColor})).stderr.startsWith('\u001B[31m'))
    assert.ok(!(await dkr(['pull', 'UPPER/case'], {env})).stderr.includes('\u001B['))
  })
})

// The preferences that change how a real pull is shown or resolved, on each engine.
for (const engine of enginesUnderTest()) describeEngine(engine, 'preferences change what a pull does', () => {

  it('progress: quiet and json change the output of a plain pull', async () => {
    const {env} = prefsEnv()
    await set(env, 'progress', 'quiet')
    assert.equal((await dkr(['pull', image()], {env})).stdout, `${image()}\n`)
    await set(env, 'progress', 'json')
    const json = JSON.parse((await dkr(['pull', image()], {env})).stdout) as {images: {reference: string; status: string}[]}
    // Podman never says whether the image was new.
    assert.deepEqual(json.images.map((i) => [i.reference, i.status]), [[image(), engine.kind === 'podman' ? 'pulled' : 'up to date']])
    assert.equal((await dkr(['pull', '-q', image()], {env})).stdout, `${image()}\n`, '-q still wins')
  })

  it('progress plain on a terminal prints log lines, not a live view', async () => {
    const {env} = prefsEnv({TERM: 'xterm-256color'})
    await set(env, 'progress', 'plain')
    await removeImages(image())
    const run = await runInPty(process.execPath, [dkrBin, 'pull', image()], {columns: 100, env, rows: 30})
    assert.equal(run.exitCode, 0)
    assert.ok(!run.bytes.includes('\u001B[?25l'), 'no cursor hiding: not the live view')
    const screen = await screenOf(run.bytes, 100, 30)
    // Podman sends no Status line; its layer lines are the plain ones.
    assert.ok(screen.includes(engine.kind === 'podman' ? image() : `Status: Downloaded newer image for ${image()}`), screen.join('\n'))
  })

  it('progress tty draws the live view even into a pipe', async () => {
    const {env} = prefsEnv()
    await set(env, 'progress', 'tty')
    await removeImages(image())
    const result = await dkr(['pull', image()], {env})
    assert.equal(result.code, 0)
    assert.ok(result.stdout.includes('\u001B[?25l'))
  })

  it('contentTrust true makes pulls trusted unless the environment or --disable-content-trust says otherwise', async () => {
    const {env} = prefsEnv({DOCKER_CONTENT_TRUST_SERVER: stack.notaryServer})
    await set(env, 'contentTrust', 'true')
    const signed = `${stack.registry}/signed/app:1.0`
    assert.match((await dkr(['pull', signed], {env})).stdout, /^Pull \(1 of 1\)/)
    assert.equal((await dkr(['pull', '-q', signed], {env: {...env, DOCKER_CONTENT_TRUST: '0'}})).stdout, `${signed}\n`)
    assert.equal((await dkr(['pull', '-q', '--disable-content-trust', signed], {env})).stdout, `${signed}\n`)
    await removeImages(signed)
  })
})

describe('shell completion', () => {
  it('builds bash and zsh completions that know the commands and their flags', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'dkr-cache-'))
    const result = await dkr(['autocomplete', '--refresh-cache'], {env: baseEnv({XDG_CACHE_HOME: cache})})
    assert.equal(result.code, 0, result.stderr)
    const bash = readFileSync(join(cache, 'dkr', 'autocomplete', 'functions', 'bash', 'dkr.bash'), 'utf8')
    const zsh = readFileSync(join(cache, 'dkr', 'autocomplete', 'functions', 'zsh', '_dkr'), 'utf8')
    for (const text of ['pull', 'login', 'context', '--all-tags']) {
      assert.ok(bash.includes(text), `bash: ${text}`)
      assert.ok(zsh.includes(text), `zsh: ${text}`)
    }

    assert.ok(existsSync(join(cache, 'dkr', 'autocomplete', 'bash_setup')))
  })
})
