// The fault suite: broken engines, registries, credentials, trust servers and terminals, each injected
// on loopback and bounded in time. Every case ends with one clear line (or success), the right exit
// status, and nothing of the user's changed.
import assert from 'node:assert/strict'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import type {ServerResponse} from 'node:http'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {helperPath} from '../helpers/credentials.js'
import {describeEngine, enginesUnderTest} from '../helpers/engines.js'
import {FaultProxy} from '../helpers/fault-proxy.js'
import {NotaryStub, signedRepository} from '../helpers/notary-stub.js'
import {runInPty} from '../helpers/pty.js'
import {FakeEngine} from '../helpers/fake-engine.js'
import {OwnDockerd} from '../helpers/own-dockerd.js'
import {processGroup, writeForkingProgram} from '../helpers/processes.js'
import {baseEnv, dkr, dkrBin, docker, run, tempConfigDir, type RunResult} from '../helpers/run.js'
import {screenOf} from '../helpers/screen.js'
import {removeAllImages, removeImages, stack} from '../helpers/stack.js'

const okLines = '{"status":"Pulling from demo/x","id":"1.0"}\n{"status":"Digest: sha256:' + '0'.repeat(64) + '"}\n'

/**
 * Sends `SIGINT`/`SIGTERM` once `ready` says so (polled; dkr is then past its start-up, however loaded
 * the machine), and `afterMs` later; returns the run and how long the signal took to end it.
 */
async function interrupt(args: string[], env: NodeJS.ProcessEnv, signal: NodeJS.Signals, afterMs: number, ready: () => boolean): Promise<RunResult & {stopMs: number}> {
  let sentAt = 0
  const result = await dkr(args, {
    env,
    onSpawn(child) {
      const poll = setInterval(() => {
        if (!ready()) return
        clearInterval(poll)
        setTimeout(() => {
          sentAt = Date.now()
          child.kill(signal)
        }, afterMs)
      }, 20)
      child.once('exit', () => clearInterval(poll))
    },
    timeoutMs: 30_000,
  })
  return {...result, stopMs: Date.now() - sentAt}
}

describe('faults: the engine', () => {
  const engine = new FakeEngine(() => {})
  before(() => engine.start())
  after(() => engine.stop())

  const env = () => baseEnv({DOCKER_HOST: engine.host})

  const streamCases: [string, (response: ServerResponse) => void, RegExp][] = [
    ['drops the connection mid-stream', (res) => {
      res.writeHead(200)
      res.write('{"status":"Pulling from demo/x","id":"1.0"}\n')
      setTimeout(() => res.socket?.destroy(), 100)
    }, /^lost the connection to the Docker daemon at unix:\/\/.* during the pull \(ECONNRESET\)\n$/],
    ['ends on a truncated JSON line', (res) => {
      res.writeHead(200)
      res.end('{"status":"Pulling from demo/x","id":"1.0"}\n{"status":"Downl')
    }, /^invalid progress message from the engine: "\{\\"status\\":\\"Downl"\n$/],
    ['sends binary noise', (res) => {
      res.writeHead(200)
      res.end(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0a, 0x80, 0x0a]))
    }, /^invalid progress message from the engine: /],
    ['sends a 10 MB line that is not JSON', (res) => {
      res.writeHead(200)
      res.end(`${'x'.repeat(10 * 1024 * 1024)}\n`)
    }, /^invalid progress message from the engine: "x{60}…"\n$/],
  ]
  for (const [what, answer, expected] of streamCases) {
    it(`the engine ${what}: one line, exit 1`, async () => {
      engine.pull = (_req, res) => answer(res)
      const result = await dkr(['pull', 'x.example/demo/x:1.0'], {env: env(), timeoutMs: 20_000})
      assert.equal(result.code, 1)
      assert.match(result.stderr, expected)
    })
  }

  it('fields dkr does not know are ignored', async () => {
    engine.pull = (_req, res) => {
      res.writeHead(200)
      res.end('{"status":"Pulling from demo/x","id":"1.0","shiny":{"new":true}}\n{"aux":{"ID":"sha256:1"},"extra":[1]}\n' + okLines)
    }

    const result = await dkr(['pull', '-q', 'x.example/demo/x:1.0'], {env: env()})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'x.example/demo/x:1.0\n')
  })

  it('an engine restarted between two commands is simply used again', async () => {
    engine.pull = (_req, res) => {
      res.writeHead(200)
      res.end(okLines)
    }

    assert.equal((await dkr(['pull', '-q', 'x.example/demo/x:1.0'], {env: env()})).code, 0)
    await engine.close()
    const down = await dkr(['pull', '-q', 'x.example/demo/x:1.0'], {env: env()})
    assert.equal(down.stderr, `Cannot connect to the Docker daemon at ${engine.host}. Is the docker daemon running?\n`)
    await engine.start()
    assert.equal((await dkr(['pull', '-q', 'x.example/demo/x:1.0'], {env: env()})).code, 0)
  })

  it('Ctrl-C while the engine has not answered yet: exit 130 at once, nothing printed', async () => {
    engine.pull = () => {}
    const seen = engine.pulls.length
    const result = await interrupt(['pull', 'x.example/demo/x:1.0'], env(), 'SIGINT', 200, () => engine.pulls.length > seen)
    assert.equal(result.code, 130)
    assert.equal(result.stderr, '')
    assert.ok(result.stopMs < 2000, `${result.stopMs} ms`)
  })

  it('SIGTERM while the stream is stalled: exit 143 at once', async () => {
    engine.pull = (_req, res) => {
      res.writeHead(200)
      res.write('{"status":"Pulling from demo/x","id":"1.0"}\n')
    }

    const seen = engine.pulls.length
    const result = await interrupt(['pull', 'x.example/demo/x:1.0'], env(), 'SIGTERM', 200, () => engine.pulls.length > seen)
    assert.equal(result.code, 143)
    assert.ok(result.stopMs < 2000, `${result.stopMs} ms`)
  })
})

describe('faults: the engine dies for real (SIGKILL to a dockerd of the test\'s own, mid-pull)', () => {
  const engine = new OwnDockerd()
  const ref = () => `${stack.slowRegistry}/demo/large:1.0`
  before(() => engine.start())
  after(() => engine.stop())

  /** Runs `tool pull`, killing the engine half a second after the first layer shows (the slow registry takes ~3 s). */
  async function pullThroughDeath(tool: typeof dkr, args: string[], revive?: () => Promise<void>): Promise<RunResult> {
    let killed: Promise<void> | undefined
    const result = await tool(['pull', ...args, ref()], {
      env: baseEnv({DOCKER_HOST: engine.host}),
      onStdout(text) {
        if (killed === undefined && text.includes('Pulling fs layer')) {
          killed = new Promise((resolve) => setTimeout(resolve, 500)).then(() => engine.kill()).then(revive)
        }
      },
      timeoutMs: 60_000,
    })
    assert.ok(killed, `the pull never started: ${result.stdout}${result.stderr}`)
    await killed
    return result
  }

  it('one line naming the engine, exit 1 (docker: `unexpected EOF`); the image is not there after a restart', async () => {
    const ours = await pullThroughDeath(dkr, [])
    assert.equal(ours.code, 1)
    assert.equal(ours.stderr, `lost the connection to the Docker daemon at ${engine.host} during the pull (ECONNRESET)\n`)
    await engine.start()
    assert.equal(await engine.imageExists(ref()), false)
    const theirs = await pullThroughDeath(docker, [])
    assert.equal(theirs.code, 1)
    assert.equal(theirs.stderr, 'unexpected EOF\n')
    await engine.start()
  })

  it('with --retry, restarted at once: the lost connection is retried and the pull completes', async () => {
    const result = await pullThroughDeath(dkr, ['--retry', '3', '--retry-delay', '1s'], () => engine.start())
    assert.equal(result.code, 0, result.stderr)
    const retries = result.stdout.split('\n').filter((line) => line.startsWith('Retrying '))
    assert.match(retries[0], new RegExp(`^Retrying ${ref()} in 1s \\(attempt 2 of 4\\): lost the connection to the Docker daemon at ${engine.host} during the pull \\(ECONNRESET\\)$`))
    assert.equal(result.stdout.trim().split('\n').at(-1), ref())
    assert.equal(await engine.imageExists(ref()), true)
  })
})

// Each engine behind the same fault proxy: their own retries and words differ, dkr's one line must not.
for (const engine of enginesUnderTest()) describeEngine(engine, 'faults: the registry, behind a fault proxy', () => {
  const proxy = new FaultProxy(process.env.DKR_REGISTRY ?? '', Number(process.env.DKR_FAULT_PORT ?? 0))
  /** How each engine words a registry's 500 for the manifest (the same words as docker prints, below). */
  const serverError = {
    'containerd-store': /^Error response from daemon: unknown: failed to resolve reference ".*": unexpected status from HEAD request to http:\/\/.*\/manifests\/1\.0: 500 Internal Server Error\n$/,
    dockerd: /^Error response from daemon: received unexpected HTTP status: 500 Internal Server Error\n$/,
    podman: /^initializing source docker:\/\/.*: reading manifest 1\.0 in .*: received unexpected HTTP status: 500 Internal Server Error\n$/,
  }
  const ref = () => `${proxy.address}/demo/mid:1.0`
  let biggestLayer = ''

  before(async () => {
    await proxy.start()
    const manifest = (await (await fetch(`http://${stack.registry}/v2/demo/mid/manifests/1.0`, {headers: {Accept: 'application/vnd.docker.distribution.manifest.v2+json'}})).json()) as {layers: {digest: string; size: number}[]}
    biggestLayer = [...manifest.layers].sort((a, b) => b.size - a.size)[0].digest
  })
  after(async () => {
    await proxy.stop()
    await removeAllImages()
  })

  it('stopped before the pull: the engine\'s words, exactly as docker prints them', async () => {
    await proxy.stop()
    try {
      const [ours, theirs] = [await dkr(['pull', ref()]), await docker(['pull', ref()], {env: baseEnv()})]
      assert.equal(ours.code, 1)
      assert.equal(ours.stderr, theirs.stderr)
      assert.match(ours.stderr, /connect: connection refused/)
    } finally {
      await proxy.start()
    }
  })

  it('answers the manifest with 500: one line, as docker', async () => {
    proxy.fault = {match: 'manifests', status: 500}
    try {
      const [ours, theirs] = [await dkr(['pull', ref()]), await docker(['pull', ref()], {env: baseEnv()})]
      assert.equal(ours.code, 1)
      assert.match(ours.stderr, serverError[engine.kind])
      assert.equal(ours.stderr, theirs.stderr)
    } finally {
      proxy.fault = undefined
    }
  })

  it(`drops a layer download once: ${{'containerd-store': 'the engine resumes the download by itself, without a word', dockerd: 'the engine retries, dkr prints one line for the retry (docker a countdown), and the countdown keeps a 3 s stall watchdog quiet', podman: 'podman gives up at once, dkr says why, exit 1'}[engine.kind]}`, async () => {
    await removeAllImages()
    proxy.fault = {dropAfter: 300_000, match: biggestLayer, once: true}
    const ours = await dkr(['pull', '--stall-timeout', '3s', ref()], {timeoutMs: 60_000})
    if (engine.kind === 'podman') {
      assert.equal(ours.code, 1)
      assert.match(ours.stderr, /^writing blob: storing blob to file ".*": happened during read: unexpected EOF\n$/)
      return
    }

    assert.equal(ours.code, 0, ours.stderr)
    const retries = ours.stdout.split('\n').filter((line) => line.includes('Retrying in'))
    if (engine.kind === 'containerd-store') {
      assert.deepEqual(retries, [])
      assert.equal(ours.stdout.split('\n').at(-2), ref())
      return
    }

    assert.equal(retries.length, 1, retries.join('\n'))
    assert.match(retries[0], new RegExp(`^${biggestLayer.slice(7, 19)}: Retrying in [45] seconds$`))
    await removeAllImages()
    proxy.fault = {dropAfter: 300_000, match: biggestLayer, once: true}
    const theirs = await docker(['pull', ref()], {env: baseEnv(), timeoutMs: 60_000})
    assert.ok(theirs.stdout.split('\n').filter((line) => line.includes('Retrying in')).length >= 4, theirs.stdout)
  })

  it(`goes away mid-pull for a second: ${engine.kind === 'containerd-store' ? 'the containerd image store fails the pull, dkr says why, exit 1' : "the engine's own retry completes the pull"}`, async () => {
    await removeAllImages()
    proxy.fault = {delayMs: 500, match: biggestLayer, once: true}
    proxy.log.splice(0)
    const pulling = dkr(['pull', '-q', ref()], {timeoutMs: 60_000})
    // Gone while the engine waits for the biggest layer (held back by the fault).
    const deadline = Date.now() + 20_000
    while (!proxy.log.some((line) => line.includes(biggestLayer)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    assert.ok(Date.now() < deadline, `the engine never asked for the layer: ${proxy.log.join(', ')}`)
    await proxy.stop()
    await new Promise((resolve) => setTimeout(resolve, 1000))
    await proxy.start()
    const result = await pulling
    if (engine.kind === 'containerd-store') {
      assert.equal(result.code, 1)
      assert.match(result.stderr, /^failed to copy: httpReadSeeker: failed open: failed to do request: Get "https?:\/\/.*\/blobs\/sha256:[0-9a-f]{64}": .+\n$/)
      assert.equal(result.stdout, '')
      return
    }

    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, `${ref()}\n`)
  })

  if (engine.kind === 'dockerd') {
    // dockerd gives up only after five retries (about 77 s): the test watches the first two back-offs,
    // then stops, which keeps CI short; the in-stream error it would end with is one line like any other.
    it('fails a layer for good: the engine backs off 5 s, then 10 s, one line each (docker a countdown); Ctrl-C then exits 130', async () => {
      await removeAllImages()
      proxy.fault = {match: biggestLayer, status: 503}
      try {
        let stopped = false
        const result = await dkr(['pull', ref()], {
          onStdout(text, child) {
            if (!stopped && /Retrying in (10|9) seconds/.test(text)) {
              stopped = true
              child.kill('SIGINT')
            }
          },
          timeoutMs: 60_000,
        })
        assert.ok(stopped, result.stdout)
        assert.equal(result.code, 130)
        const seconds = result.stdout.split('\n').filter((line) => line.includes('Retrying in')).map((line) => Number(/Retrying in (\d+) seconds/.exec(line)?.[1]))
        // dockerd's countdown ticker may skip the first second of a back-off when busy, so allow n or n-1.
        assert.equal(seconds.length, 2, result.stdout)
        for (const [i, n] of [5, 10].entries()) assert.ok(seconds[i] === n || seconds[i] === n - 1, result.stdout)
      } finally {
        proxy.fault = undefined
      }
    })
  } else {
    it('fails a layer for good (503): the engine gives up at once, dkr prints its words as docker does, exit 1', async () => {
      await removeAllImages()
      proxy.fault = {match: biggestLayer, status: 503}
      try {
        const [ours, theirs] = [await dkr(['pull', ref()]), await docker(['pull', ref()], {env: baseEnv()})]
        assert.equal(ours.code, 1)
        assert.equal(ours.stderr, theirs.stderr)
        assert.match(ours.stderr, engine.kind === 'podman' ? /^reading blob sha256:[0-9a-f]{64}: Error fetching blob: invalid status code from registry 503 \(Service Unavailable\)\n$/ : /^error from registry: injected fault\n$/)
      } finally {
        proxy.fault = undefined
      }
    })
  }

  it('answers slowly (the manifest held back 3 s): dkr waits, no timeout', async () => {
    await removeAllImages()
    proxy.fault = {delayMs: 3000, match: 'manifests', once: true}
    const result = await dkr(['pull', '-q', ref()], {timeoutMs: 30_000})
    assert.equal(result.code, 0, result.stderr)
  })
})

describe('faults: credentials and configuration', () => {
  it('config.json that is a directory: pulls warn and go on; login changes nothing', async () => {
    const configDir = tempConfigDir()
    mkdirSync(join(configDir, 'config.json'))
    const env = baseEnv({DOCKER_CONFIG: configDir})
    const pull = await dkr(['pull', '-q', `${stack.registry}/demo/small:1.0`], {env})
    assert.equal(pull.code, 0)
    assert.equal(pull.stderr, (await docker(['pull', '-q', `${stack.registry}/demo/small:1.0`], {env})).stderr)
    assert.equal(pull.stderr, `WARNING: Error parsing config file (${configDir}/config.json): read ${configDir}/config.json: is a directory\n`)
    const login = await dkr(['login', '-u', 'a', '--password-stdin', stack.privateRegistry], {env, input: 'b\n'})
    assert.equal(login.code, 1)
    assert.ok(!login.stderr.includes(' at '), 'no stack trace')
  })

  describe('as a user who may not read or write the config (root ignores permissions, so these run as nobody)', () => {
    const engine = new FakeEngine()
    before(async () => {
      await engine.start()
      chmodSync(dirname(engine.socketPath), 0o755)
      chmodSync(engine.socketPath, 0o777)
    })
    after(() => engine.stop())
    const asNobody = (args: string[], env: NodeJS.ProcessEnv, input?: string) => run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, dkrBin, ...args], {env: {...env, HOME: tmpdir()}, input})
    const privateDir = () => {
      const dir = mkdtempSync(join(tmpdir(), 'dkr-perm-'))
      chmodSync(dir, 0o755)
      return dir
    }

    it('an unreadable config.json: docker\'s warning, and the pull goes on', async () => {
      const dir = privateDir()
      writeFileSync(join(dir, 'config.json'), '{"auths": {}}', {mode: 0o600})
      const result = await asNobody(['pull', '-q', 'x.example/a:1'], baseEnv({DOCKER_CONFIG: dir, DOCKER_HOST: engine.host}))
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stderr, `WARNING: Error loading config file: open ${dir}/config.json: permission denied\n`)
    })

    it('login into a read-only config directory: one line, exit 1, the file unchanged', async () => {
      const dir = privateDir()
      writeFileSync(join(dir, 'config.json'), '{"auths": {}}', {mode: 0o644})
      const result = await asNobody(['login', '-u', 'alice', '--password-stdin', 'r.example'], baseEnv({DOCKER_CONFIG: dir, DOCKER_HOST: engine.host}), 'secret\n')
      assert.equal(result.code, 1)
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr)
      assert.equal(result.stderr, `cannot write ${dir}/config.json: permission denied\n`)
      assert.equal(engine.logins.length, 1, 'the engine was asked, so only the write failed')
      assert.ok(!result.stderr.includes('secret'))
      assert.equal(readFileSync(join(dir, 'config.json'), 'utf8'), '{"auths": {}}')
      assert.deepEqual(readdirSync(dir), ['config.json'], 'no lock or temp files left')
    })
  })

  it('Ctrl-C while a credential helper hangs: exit 130 at once, and no request reaches the engine afterwards', async () => {
    const engine = new FakeEngine()
    await engine.start()
    try {
      const bin = helperPath(['dkrtest'])
      const configDir = tempConfigDir()
      writeFileSync(join(configDir, 'config.json'), '{"credsStore": "dkrtest"}')
      const env = baseEnv({DKR_TEST_HELPER_MODE: 'hang', DKR_TEST_HELPER_STORE: bin.store, DOCKER_CONFIG: configDir, DOCKER_HOST: engine.host, PATH: bin.path})
      const result = await interrupt(['pull', `${stack.privateRegistry}/private/app:1.0`], env, 'SIGINT', 300, () => bin.calls().length > 0)
      assert.equal(result.code, 130)
      assert.ok(result.stopMs < 2000, `${result.stopMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 500))
      assert.deepEqual(engine.pulls, [])
      assert.deepEqual(readdirSync(configDir), ['config.json'], 'no lock or temp files left')
      assert.equal(readFileSync(join(configDir, 'config.json'), 'utf8'), '{"credsStore": "dkrtest"}')
    } finally {
      await engine.stop()
    }
  })
  it('a credential helper that hangs through a child (`sh` + `sleep 300`): killed with its child at the timeout, and dkr ends', async () => {
    const engine = new FakeEngine()
    await engine.start()
    try {
      const bin = helperPath()
      const group = writeForkingProgram(join(bin.path, 'docker-credential-forks'))
      const configDir = tempConfigDir()
      writeFileSync(join(configDir, 'config.json'), '{"credsStore": "forks"}')
      const env = baseEnv({DKR_CREDENTIAL_HELPER_TIMEOUT: '1', DOCKER_CONFIG: configDir, DOCKER_HOST: engine.host, PATH: bin.path})
      const started = Date.now()
      const result = await dkr(['pull', '-q', 'x.example/demo/x:1.0'], {env, timeoutMs: 20_000})
      const tookMs = Date.now() - started
      // As docker v28: credentials that cannot be had are no credentials, and the pull goes on.
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stdout, 'x.example/demo/x:1.0\n')
      // The helper's 1 s, plus dkr's start-up on a loaded machine; it used to wait forever.
      assert.ok(tookMs < 10_000, `${tookMs} ms`)
      assert.equal(engine.pulls.length, 1)
      assert.equal(engine.pulls[0].registryAuth, 'e30=', 'anonymous')
      await new Promise((resolve) => setTimeout(resolve, 200))
      assert.deepEqual(processGroup(group()), [], 'the helper and its sleep are gone')
    } finally {
      await engine.stop()
    }
  })

  it('Ctrl-C while a helper hangs through a child: exit 130 at once, the helper and its child killed', async () => {
    const bin = helperPath()
    const group = writeForkingProgram(join(bin.path, 'docker-credential-forks'))
    const configDir = tempConfigDir()
    writeFileSync(join(configDir, 'config.json'), '{"credsStore": "forks"}')
    const result = await interrupt(['pull', 'x.example/demo/x:1.0'], baseEnv({DOCKER_CONFIG: configDir, PATH: bin.path}), 'SIGINT', 300, () => existsSync(join(bin.path, 'docker-credential-forks.pid')))
    assert.equal(result.code, 130)
    assert.ok(result.stopMs < 2000, `${result.stopMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.deepEqual(processGroup(group()), [])
  })
})

describe('faults: the trust server', () => {
  const stub = new NotaryStub(join(process.env.DKR_STACK_DIR ?? '', 'tls'))
  before(() => stub.start())
  after(() => stub.stop())
  const gun = () => `${stack.registry}/stubbed/app`
  const env = () => baseEnv({DOCKER_CONFIG: tempConfigDir(), DOCKER_CONTENT_TRUST: '1', DOCKER_CONTENT_TRUST_SERVER: stub.url})

  it('serving garbage: one line, exit 1', async () => {
    stub.files = new Map([['root', Buffer.from('<html>not json</html>')]])
    const result = await dkr(['pull', `${gun()}:1.0`], {env: env()})
    assert.equal(result.code, 1)
    assert.match(result.stderr, /^Error: no trust data available for remote repository .*Try running notary server/)
  })

  it('Ctrl-C while the trust server is slow: exit 130 at once', async () => {
    stub.files = signedRepository(gun(), `sha256:${'ab'.repeat(32)}`)
    stub.delayMs = 20_000
    try {
      const seen = stub.requests.length
      const result = await interrupt(['pull', `${gun()}:1.0`], env(), 'SIGINT', 300, () => stub.requests.length > seen)
      assert.equal(result.code, 130)
      assert.ok(result.stopMs < 2000, `${result.stopMs} ms`)
    } finally {
      stub.delayMs = 0
    }
  })
})

describe('faults: the terminal', () => {
  it('TERM=dumb on a terminal gets plain lines and no escape sequences', async () => {
    const ref = `${stack.registry}/demo/small:1.0`
    await removeImages(ref)
    const run = await runInPty(process.execPath, [dkrBin, 'pull', ref], {columns: 100, env: baseEnv({TERM: 'dumb'}), rows: 30})
    assert.equal(run.exitCode, 0)
    assert.ok(!run.bytes.includes('\u001B'), JSON.stringify(run.bytes.slice(0, 200)))
  })

  it('a terminal resized mid-pull still ends with the whole pull on screen and no wrapped lines', async () => {
    const ref = `${stack.slowRegistry}/demo/large:1.0`
    await removeImages(ref)
    let resized = false
    const run = await runInPty(process.execPath, [dkrBin, 'pull', ref], {
      columns: 120,
      env: baseEnv({TERM: 'xterm-256color'}),
      onData(all, term) {
        if (!resized && all.includes('Downloading')) {
          resized = true
          term.resize(60, 20)
        }
      },
      rows: 30,
    })
    assert.equal(run.exitCode, 0)
    assert.ok(resized)
    const screen = await screenOf(run.bytes, 60, 20)
    assert.equal(screen.at(-1), ref)
    assert.equal(screen.filter((line) => line.endsWith(': Pull complete')).length, 3, screen.join('\n'))
    assert.ok(run.bytes.includes('\u001B[?25h'), 'cursor shown again')
    await removeImages(ref)
  })
})
