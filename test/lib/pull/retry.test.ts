import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {formatDuration, parseDuration} from '../../../src/lib/io/duration.js'
import {CancelledError, DkrError, isCancelled, UsageError} from '../../../src/lib/errors.js'
import {AttemptsError, retryDelay, retryLine, withRetries, type RetryNotice} from '../../../src/lib/pull/retry.js'
import {StallError, watchStalls} from '../../../src/lib/pull/stall-watchdog.js'

const unavailable = () => new DkrError('received unexpected HTTP status: 503 Service Unavailable')

describe('durations as podman takes them', () => {
  it('parses ms, s, m, h, fractions and sums; formats them back', () => {
    assert.deepEqual(['500ms', '2s', '1.5s', '1m30s', '1h', '0'].map((text) => parseDuration(text, 'x')), [500, 2000, 1500, 90_000, 3_600_000, 0])
    assert.deepEqual([500, 2000, 1500, 90_000, 300_000].map(formatDuration), ['500ms', '2s', '1.5s', '1m30s', '5m0s'])
  })

  it('refuses a number without a unit with a usage error', () => {
    assert.throws(() => parseDuration('30', '--stall-timeout'), (error) => error instanceof UsageError && error.message === 'invalid duration "30" for --stall-timeout: expected a number and a unit (ms, s, m, h), such as 2s, 500ms or 1m30s')
  })
})

describe('withRetries', () => {
  const options = (retries: number, notices: RetryNotice[], signal = new AbortController().signal, delayMs = 1) => ({delayMs, onRetry: (notice: RetryNotice) => notices.push(notice), retries, signal})

  it('backs off from 2 s, doubling, unless a delay is given', () => {
    assert.deepEqual([2, 3, 4, 5].map((attempt) => retryDelay(attempt, undefined)), [2000, 4000, 8000, 16_000])
    assert.equal(retryDelay(4, 500), 500)
  })

  it('tries a transient failure again until it succeeds, one notice per retry', async () => {
    const notices: RetryNotice[] = []
    let calls = 0
    const result = await withRetries(options(3, notices), async () => {
      if (++calls < 3) throw unavailable()
      return 'pulled'
    })
    assert.deepEqual(result, {attempts: 3, value: 'pulled'})
    assert.deepEqual(notices.map((n) => [n.attempt, n.of]), [[2, 4], [3, 4]])
    assert.equal(retryLine('127.0.0.1:5000/app:1.0', {...notices[0], delayMs: 2000}), 'Retrying 127.0.0.1:5000/app:1.0 in 2s (attempt 2 of 4): received unexpected HTTP status: 503 Service Unavailable')
  })

  it('gives up after the last attempt and says how many were made', async () => {
    await assert.rejects(withRetries(options(2, []), async () => Promise.reject(unavailable())), (error) => error instanceof AttemptsError && error.attempts === 3 && error.message === 'received unexpected HTTP status: 503 Service Unavailable (gave up after 3 attempts)')
  })

  it('never retries what cannot get better, nor without --retry', async () => {
    const notices: RetryNotice[] = []
    const missing = new DkrError('manifest for x:9.9 not found: manifest unknown: manifest unknown')
    await assert.rejects(withRetries(options(5, notices), async () => Promise.reject(missing)), (error) => error === missing)
    await assert.rejects(withRetries(options(0, notices), async () => Promise.reject(unavailable())), /^DkrError: received unexpected HTTP status: 503 Service Unavailable$/)
    assert.deepEqual(notices, [])
  })

  it('Ctrl-C during a delay ends it at once', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort('SIGINT'), 50)
    const started = Date.now()
    await assert.rejects(withRetries(options(3, [], controller.signal, 60_000), async () => Promise.reject(unavailable())), (error) => isCancelled(error) && (error as CancelledError).exitCode === 130)
    assert.ok(Date.now() - started < 1000)
  })

  it('waits a delay longer than one Node timer takes (25 days) instead of firing at once', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(warning.name)
    process.on('warning', onWarning)
    const controller = new AbortController()
    let attempts = 0
    const pulling = withRetries(options(1, [], controller.signal, parseDuration('600h', '--retry-delay')), async () => {
      attempts++
      throw unavailable()
    })
    await new Promise((resolve) => setTimeout(resolve, 100))
    controller.abort('SIGINT')
    await assert.rejects(pulling, isCancelled)
    process.off('warning', onWarning)
    assert.deepEqual([attempts, warnings], [1, []])
  })
})

describe('watchStalls', () => {
  const signal = new AbortController().signal
  const waitForAbort = (attemptSignal: AbortSignal) => new Promise((_resolve, reject) => attemptSignal.addEventListener('abort', () => reject(new CancelledError())))

  it('aborts a silent attempt and says how long nothing moved', async () => {
    await assert.rejects(watchStalls({signal, timeoutMs: 100, what: 'r/app:1.0'}, (attemptSignal) => waitForAbort(attemptSignal)), (error) => error instanceof StallError && error.message === 'no progress for 100ms while pulling r/app:1.0')
  })

  it('a repeated identical message is no progress; a countdown is', async () => {
    const repeating = watchStalls({signal, timeoutMs: 150, what: 'r'}, (attemptSignal, saw) => {
      const timer = setInterval(() => saw({id: 'a', progressDetail: {current: 5, total: 10}, status: 'Downloading'}), 30)
      return waitForAbort(attemptSignal).finally(() => clearInterval(timer))
    })
    await assert.rejects(repeating, StallError)
    let n = 10
    const counting = await watchStalls({signal, timeoutMs: 150, what: 'r'}, async (_attemptSignal, saw) => {
      while (n > 0) {
        saw({id: 'a', progressDetail: {}, status: `Retrying in ${n--} seconds`})
        await new Promise((resolve) => setTimeout(resolve, 50))
      }

      return 'done'
    })
    assert.equal(counting, 'done')
  })

  it('0 turns it off; Ctrl-C is a cancellation, not a stall', async () => {
    assert.equal(await watchStalls({signal, timeoutMs: 0, what: 'r'}, async () => new Promise((resolve) => setTimeout(() => resolve('slow but fine'), 100))), 'slow but fine')
    const controller = new AbortController()
    setTimeout(() => controller.abort('SIGINT'), 30)
    await assert.rejects(watchStalls({signal: controller.signal, timeoutMs: 1000, what: 'r'}, (attemptSignal) => waitForAbort(attemptSignal)), isCancelled)
  })

  it('a timeout longer than eight Node timers take (300 days) does not fire at once', async () => {
    const quiet = watchStalls({signal, timeoutMs: parseDuration('7200h', '--stall-timeout'), what: 'r'}, async (attemptSignal) => Promise.race([waitForAbort(attemptSignal), new Promise((resolve) => setTimeout(() => resolve('quiet but within the timeout'), 100))]))
    assert.equal(await quiet, 'quiet but within the timeout')
  })
})
