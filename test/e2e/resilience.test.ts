// Client-side retry and the stall watchdog against every real engine, through the fault proxy on the
// stack's DKR_FAULT_PORT (the one podman's registries.conf lets it reach) in front of the open registry.
// Delays and timeouts are short so the file stays quick.
import assert from 'node:assert/strict'
import {after, before, it} from 'node:test'
import {describeEngine, enginesUnderTest} from '../helpers/engines.js'
import {FaultProxy, type Fault} from '../helpers/fault-proxy.js'
import {runInPty} from '../helpers/pty.js'
import {baseEnv, dkr, dkrBin, type RunResult} from '../helpers/run.js'
import {screenOf} from '../helpers/screen.js'
import {pushRandomImage} from '../helpers/random-image.js'
import {imageExists, removeImages, required} from '../helpers/stack.js'

const retryLines = (text: string) => text.split('\n').filter((line) => line.startsWith('Retrying '))

for (const engine of enginesUnderTest()) {
  describeEngine(engine, 'retry and stall watchdog', () => {
    const proxy = new FaultProxy(required('DKR_REGISTRY'), Number(required('DKR_FAULT_PORT')))
    const ref = () => `${proxy.address}/demo/mid:1.0`
    let fresh = 0
    /** An image no engine has seen (pushed now), so its layer is fetched for real, and its one layer. */
    async function freshImage(): Promise<{reference: string; layer: string}> {
      const tag = `${engine.kind}-${process.pid}-${fresh++}`
      const {layer} = await pushRandomImage(required('DKR_REGISTRY'), 'fresh/stall', tag, 1024 * 1024)
      return {layer, reference: `${proxy.address}/fresh/stall:${tag}`}
    }

    /** Manifest requests this engine makes in one failed attempt: a fault for that many fails exactly one. */
    let perFailedAttempt = 0

    before(async () => {
      await proxy.start()
      await removeImages(ref())
      proxy.fault = {match: 'manifests', status: 503}
      proxy.log.splice(0)
      await dkr(['pull', '-q', ref()])
      perFailedAttempt = proxy.log.filter((line) => line.includes('/manifests/')).length
      proxy.fault = undefined
    })
    after(async () => {
      proxy.fault = undefined
      await proxy.stop()
      await removeImages(ref())
    })

    async function pull(fault: Fault | undefined, args: string[], reference = ref()): Promise<RunResult & {tookMs: number}> {
      await removeImages(reference)
      proxy.fault = fault
      const started = Date.now()
      try {
        const result = await dkr(['pull', ...args, reference], {timeoutMs: 60_000})
        return {...result, tookMs: Date.now() - started}
      } finally {
        proxy.fault = undefined
      }
    }

    it('a manifest failing with 503 for one attempt: retried once, then pulled; --json counts the attempts', async () => {
      const result = await pull({match: 'manifests', status: 503, times: perFailedAttempt}, ['--retry', '3', '--retry-delay', '200ms', '--json'])
      assert.equal(result.code, 0, result.stderr)
      assert.deepEqual(retryLines(result.stderr).map((line) => line.replace(/: .*/, '')), [`Retrying ${ref()} in 200ms (attempt 2 of 4)`])
      assert.match(retryLines(result.stderr)[0], /503 Service Unavailable$/)
      const [image] = (JSON.parse(result.stdout) as {images: {attempts: number; status: string}[]}).images
      assert.equal(image.attempts, 2)
      // podman does not say whether the image was new (no Status: line).
      assert.ok(['downloaded', 'pulled'].includes(image.status), image.status)
      assert.ok(await imageExists(ref()))
    })

    it('in plain output the retry is a line of its own, and the backoff starts at 2 s', async () => {
      const result = await pull({match: 'manifests', status: 503, times: perFailedAttempt}, ['--retry', '1'])
      assert.equal(result.code, 0, result.stderr)
      assert.deepEqual(retryLines(result.stdout).map((line) => line.replace(/: .*/, '')), [`Retrying ${ref()} in 2s (attempt 2 of 2)`])
      assert.ok(result.tookMs >= 2000, `${result.tookMs} ms`)
      assert.equal(result.stdout.trim().split('\n').at(-1), ref())
    })

    it('a persistent 503: every attempt made, then one line naming them, exit 1', async () => {
      const result = await pull({match: 'manifests', status: 503}, ['-q', '--retry', '2', '--retry-delay', '100ms'])
      assert.equal(result.code, 1)
      assert.equal(retryLines(result.stderr).length, 2, result.stderr)
      assert.match(result.stderr.trim().split('\n').at(-1)!, /503 Service Unavailable.* \(gave up after 3 attempts\)$/)
      assert.equal(result.stdout, '')
    })

    it('429 with Retry-After: retried by dkr, or by the engine itself, and pulled', async () => {
      const result = await pull({match: 'manifests', status: 429, times: 2}, ['--retry', '3', '--retry-delay', '200ms', '--json'])
      assert.equal(result.code, 0, result.stderr)
      const [image] = (JSON.parse(result.stdout) as {images: {attempts: number}[]}).images
      const lines = retryLines(result.stderr)
      assert.equal(image.attempts, lines.length + 1)
      for (const line of lines) assert.match(line, /toomanyrequests|429 Too Many Requests/)
    })

    it('the registry down, then back during the delay: retried and pulled', async () => {
      await removeImages(ref())
      await proxy.stop()
      let restarted: Promise<void> | undefined
      const result = await dkr(['pull', '--retry', '2', '--retry-delay', '1s', ref()], {
        onStdout(text) {
          if (restarted === undefined && text.includes('Retrying ')) restarted = proxy.start()
        },
        timeoutMs: 60_000,
      })
      await restarted
      assert.equal(result.code, 0, result.stderr)
      assert.match(retryLines(result.stdout)[0], /connection refused$/)
    })

    it('never retries a missing tag: fails at once, no retry line', async () => {
      await removeImages(ref())
      const started = Date.now()
      const result = await dkr(['pull', '--retry', '3', '--retry-delay', '5s', ref().replace(':1.0', ':9.9')])
      assert.equal(result.code, 1)
      assert.deepEqual(retryLines(`${result.stdout}${result.stderr}`), [])
      assert.doesNotMatch(result.stderr, /attempts/)
      assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`)
    })

    it('a blob that stops after 100 kB and holds the connection: cancelled within the stall timeout, the image absent', async () => {
      const image = await freshImage()
      const result = await pull({match: image.layer, stallAfter: 100_000}, ['-q', '--stall-timeout', '2s'], image.reference)
      assert.equal(result.code, 1)
      assert.equal(result.stderr, `no progress for 2s while pulling ${image.reference}\n`)
      assert.ok(result.tookMs < 8000, `${result.tookMs} ms`)
      // The engine cancelled: the blob request is closed and the image never appears.
      await new Promise((resolve) => setTimeout(resolve, 1000))
      assert.equal(await imageExists(image.reference), false)
    })

    it('a stall on the first attempt, then a clean one: retried and pulled', async () => {
      const image = await freshImage()
      const result = await pull({match: image.layer, stallAfter: 100_000, times: 1}, ['--stall-timeout', '2s', '--retry', '1', '--retry-delay', '100ms'], image.reference)
      assert.equal(result.code, 0, result.stderr)
      assert.deepEqual(retryLines(result.stdout), [`Retrying ${image.reference} in 100ms (attempt 2 of 2): no progress for 2s while pulling ${image.reference}`])
      assert.ok(await imageExists(image.reference))
      await removeImages(image.reference)
    })

    it('several names retry on their own: one failing for two attempts, the other pulled at once', async () => {
      const flaky = `${proxy.address}/demo/small:1.0`
      const steady = `${proxy.address}/demo/many:1.0`
      await removeImages(flaky, steady)
      proxy.fault = {match: '/demo/small/manifests/', status: 503, times: 2 * perFailedAttempt}
      try {
        const result = await dkr(['pull', '--retry', '3', '--retry-delay', '100ms', '--json', flaky, steady], {env: baseEnv(), timeoutMs: 60_000})
        assert.equal(result.code, 0, result.stderr)
        const images = (JSON.parse(result.stdout) as {images: {reference: string; attempts: number}[]}).images
        assert.deepEqual(images.map((i) => [i.reference, i.attempts]), [[flaky, 3], [steady, 1]])
        assert.equal(retryLines(result.stderr).length, 2)
      } finally {
        proxy.fault = undefined
        await removeImages(flaky, steady)
      }
    })

    it('on a terminal: a stall, then the retry line above the live view, and the pull ends on screen', async () => {
      const image = await freshImage()
      proxy.fault = {match: image.layer, stallAfter: 100_000, times: 1}
      try {
        const run = await runInPty(process.execPath, [dkrBin, 'pull', '--stall-timeout', '2s', '--retry', '1', '--retry-delay', '100ms', image.reference], {columns: 120, env: baseEnv({TERM: 'xterm-256color'}), rows: 30})
        assert.equal(run.exitCode, 0)
        const screen = await screenOf(run.bytes, 120, 30)
        // Cut to the terminal's width, as every line of the view.
        const retry = screen.indexOf(`Retrying ${image.reference} in 100ms (attempt 2 of 2): no progress for 2s while pulling ${image.reference}`.slice(0, 119))
        assert.ok(retry >= 0, screen.join('\n'))
        assert.ok(screen.slice(retry + 1).some((line) => line.includes('Download complete') || line.includes('Pull complete')), screen.join('\n'))
        assert.equal(screen.at(-1), image.reference)
      } finally {
        proxy.fault = undefined
        await removeImages(image.reference)
      }
    })

    it('a retry delay and a stall timeout longer than one Node timer holds (600h, 7200h): the delay is waited, the timeout never fires early', async () => {
      await removeImages(ref())
      proxy.fault = {match: 'manifests', status: 503}
      const manifestRequests = () => proxy.log.filter((line) => line.includes('/manifests/')).length
      let seen = -1
      try {
        const result = await dkr(['pull', '--retry', '1', '--retry-delay', '600h', '--stall-timeout', '7200h', ref()], {
          onStdout(text, child) {
            if (seen === -1 && text.includes('Retrying ')) {
              seen = manifestRequests()
              // A second attempt would come at once if the delay overflowed the timer (it fired after 1 ms).
              setTimeout(() => child.kill('SIGINT'), 1500)
            }
          },
          timeoutMs: 30_000,
        })
        assert.equal(result.code, 130, result.stderr)
        assert.equal(manifestRequests(), seen, 'no second attempt during the delay')
      } finally {
        proxy.fault = undefined
      }

      const clean = await pull(undefined, ['-q', '--stall-timeout', '7200h'])
      assert.deepEqual([clean.code, clean.stdout], [0, `${ref()}\n`], clean.stderr)
    })

    it('Ctrl-C during a retry delay: exit 130 at once', async () => {
      await removeImages(ref())
      proxy.fault = {match: 'manifests', status: 503}
      let sentAt = 0
      try {
        const result = await dkr(['pull', '--retry', '3', '--retry-delay', '30s', ref()], {
          onStdout(text, child) {
            if (sentAt === 0 && text.includes('Retrying ')) {
              sentAt = Date.now()
              child.kill('SIGINT')
            }
          },
          timeoutMs: 30_000,
        })
        assert.equal(result.code, 130)
        assert.ok(sentAt > 0)
        assert.ok(Date.now() - sentAt < 1500, `${Date.now() - sentAt} ms`)
      } finally {
        proxy.fault = undefined
      }
    })
  })
}
