// dkr and docker in a real terminal on the same pull: the screens they leave behind must match.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {after, before, describe, it} from 'node:test'
import {baseEnv, dkrBin} from '../helpers/run.js'
import {runInPty} from '../helpers/pty.js'
import {screenOf} from '../helpers/screen.js'
import {FakeEngine, streamAnswer} from '../helpers/fake-engine.js'
import {describeEngine, enginesUnderTest} from '../helpers/engines.js'
import {removeAllImages, removeImages, imageExists, stack} from '../helpers/stack.js'

const env = () => baseEnv({TERM: 'xterm-256color'})
const dkrInPty = (args: string[], columns: number, rows: number, onData?: Parameters<typeof runInPty>[2]['onData']) => runInPty(process.execPath, [dkrBin, ...args], {columns, env: env(), onData, rows})

for (const engine of enginesUnderTest()) {
  const podman = engine.kind === 'podman'
  // Podman and the containerd image store announce layers in an order that changes from run to run:
  // there the layer lines are compared as a set, the rest line for line. (The same stream to both
  // clients gives the same order: see the recorded-stream suite below.)
  const isLayer = (line: string) => /^[0-9a-f]{12}: /.test(line)
  const comparable = (screen: string[]) => (engine.kind === 'dockerd' ? screen : [...screen.filter(isLayer).sort(), ...screen.filter((line) => !isLayer(line))])

  describeEngine(engine, 'dkr image pull on a terminal', () => {
    before(removeAllImages)

    for (const columns of [150, 80]) {
      it(`leaves the same screen as docker at ${columns} columns`, async () => {
        const ref = `${stack.slowRegistry}/demo/mid:1.0`
        const theirs = await runInPty('docker', ['pull', ref], {columns, env: env(), rows: 40})
        await removeImages(ref)
        const ours = await dkrInPty(['pull', ref], columns, 40)
        await removeImages(ref)
        assert.equal(ours.exitCode, 0)
        assert.equal(theirs.exitCode, 0)
        assert.deepEqual(comparable(await screenOf(ours.bytes, columns, 40)), comparable(await screenOf(theirs.bytes, columns, 40)))
        assert.ok(ours.bytes.endsWith('\u001B[?25h') || ours.bytes.includes('\u001B[?25h'), 'cursor shown again')
      })
    }

    it('fits a narrow terminal without wrapping and a short one without frozen lines', async () => {
      const ref = `${stack.slowRegistry}/demo/many:1.0`
      const ours = await dkrInPty(['pull', ref], 40, 8)
      assert.equal(ours.exitCode, 0)
      const screen = await screenOf(ours.bytes, 40, 8)
      assert.equal(screen.at(-1), ref)
      // Podman ends each layer (and the config blob) with Download complete; dockerd with Pull complete.
      assert.equal(screen.filter((line) => (podman ? /: Download complete$/ : / Pull complete$/).test(line)).length, podman ? 15 : 14, screen.join('\n'))
      assert.ok(!screen.some((line) => /Pulling fs layer|Waiting|Downloading/.test(line)), 'no frozen layer lines')
    })

    it('shows a total line while pulling', async () => {
      const ref = `${stack.slowRegistry}/demo/large:1.0`
      await removeImages(ref)
      let sawTotal = false
      const ours = await dkrInPty(['pull', ref], 100, 30, (all) => {
        sawTotal ||= /Total: \S+\/\S+ {2}\S+\/s/.test(all)
      })
      assert.equal(ours.exitCode, 0)
      assert.ok(sawTotal)
      assert.ok(!(await screenOf(ours.bytes, 100, 30)).some((line) => line.startsWith('Total:')), 'the total line is gone at the end')
    })

    it('stops on Ctrl-C with exit 130, the cursor shown and no half frame', async () => {
      // The large layer takes a few seconds through the throttling proxy: Ctrl-C lands mid-download.
      const ref = `${stack.slowRegistry}/demo/large:1.0`
      await removeImages(ref)
      let sent = false
      const ours = await dkrInPty(['pull', ref], 100, 30, (all, term) => {
        if (!sent && all.includes('Downloading')) {
          sent = true
          term.write('\u0003')
        }
      })
      assert.ok(sent)
      assert.equal(ours.exitCode, 130)
      assert.ok(ours.bytes.lastIndexOf('\u001B[?25h') > ours.bytes.lastIndexOf('\u001B[?25l'), 'cursor restored')
      await new Promise((resolve) => setTimeout(resolve, 1000))
      assert.equal(await imageExists(ref), false)
    })
  })
}

describe('dkr image pull on a terminal, on a stream recorded from Docker Engine 28 (containerd image store)', () => {
  // The same bytes to both clients, so the screens must match line for line, layer order included.
  const stream = readFileSync(new URL('../fixtures/containerd-store-pull-large.jsonl', import.meta.url), 'utf8')
  const engine = new FakeEngine(streamAnswer(() => stream))
  before(() => engine.start())
  after(() => engine.stop())

  for (const columns of [150, 80]) {
    it(`leaves the same screen as docker at ${columns} columns`, async () => {
      const ref = '127.0.0.1:5000/demo/large:1.0'
      const ptyEnv = baseEnv({DOCKER_HOST: engine.host, TERM: 'xterm-256color'})
      const theirs = await runInPty('docker', ['pull', ref], {columns, env: ptyEnv, rows: 30})
      const ours = await runInPty(process.execPath, [dkrBin, 'pull', ref], {columns, env: ptyEnv, rows: 30})
      assert.equal(ours.exitCode, 0)
      assert.equal(theirs.exitCode, 0)
      const screen = await screenOf(ours.bytes, columns, 30)
      assert.deepEqual(screen, await screenOf(theirs.bytes, columns, 30))
      assert.equal(screen.at(-1), ref)
    })
  }
})

describe('dkr image pull on a terminal, errors and the spinner', () => {
  it('prints errors in red on a terminal, and not with NO_COLOR', async () => {
    const coloured = await runInPty(process.execPath, [dkrBin, 'pull', 'Ubuntu'], {columns: 80, env: {...env(), NO_COLOR: ''}, rows: 10})
    assert.equal(coloured.exitCode, 1)
    assert.ok(coloured.bytes.includes('\u001B[31minvalid reference format'), JSON.stringify(coloured.bytes))
    const plain = await dkrInPty(['pull', 'Ubuntu'], 80, 10)
    assert.ok(!plain.bytes.includes('\u001B[31m'))
  })

  it('shows a spinner on stderr while the engine is slow to start, and clears it', async () => {
    const engine = new FakeEngine(streamAnswer(undefined, 1500))
    await engine.start()
    try {
      const run = await runInPty(process.execPath, [dkrBin, 'pull', 'x.example/demo/app:1.0'], {columns: 100, env: baseEnv({DOCKER_HOST: engine.host, TERM: 'xterm-256color'}), rows: 20})
      assert.equal(run.exitCode, 0)
      assert.ok(run.bytes.includes('Resolving x.example/demo/app:1.0'), 'the spinner text was shown')
      assert.ok(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/.test(run.bytes), 'with a spinner frame')
      const screen = await screenOf(run.bytes, 100, 20)
      assert.ok(!screen.some((line) => line.includes('Resolving')), 'and it is gone at the end')
      assert.equal(screen.at(-1), 'x.example/demo/app:1.0')
    } finally {
      await engine.stop()
    }
  })

  it('shows no spinner when the engine answers at once', async () => {
    const engine = new FakeEngine()
    await engine.start()
    try {
      const run = await runInPty(process.execPath, [dkrBin, 'pull', 'x.example/demo/app:1.0'], {columns: 100, env: baseEnv({DOCKER_HOST: engine.host, TERM: 'xterm-256color'}), rows: 20})
      assert.ok(!run.bytes.includes('Resolving'))
    } finally {
      await engine.stop()
    }
  })
})
