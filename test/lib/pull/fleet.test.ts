// The plan and the fleet's execution with engines in memory (a recorded dockerd stream, or a failure):
// what is asked of whom, in what order, and what the results and the failure line say.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import type {Cli, NamedEngine} from '../../../src/lib/cli/context.js'
import type {EngineClient, PullRequest} from '../../../src/lib/engine/client.js'
import {DkrError, EngineUnreachableError} from '../../../src/lib/errors.js'
import type {JsonMessage} from '../../../src/lib/progress/json-message.js'
import {executeFleet} from '../../../src/lib/pull/fleet.js'
import {planPull} from '../../../src/lib/pull/plan.js'
import {failureReport, type PullOptions} from '../../../src/lib/pull/run-pull.js'

const recorded = readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'dockerd-pull-3-layers.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as JsonMessage)

const digest = `sha256:${'d'.repeat(64)}`

/** An engine in memory: it records every call; `down` makes it unreachable. */
/** `failFirst`: the first pull is cut off (a transient failure); `stall`: every pull goes quiet after its first message. */
/** Pulls in flight across all engines, and the most there were at once. */
const inFlight = {most: 0, now: 0}

/** `graphDriver`: the engine keeps one platform per image name (dockerd's vfs), not the containerd store. */
function engine(name: string, options: {down?: boolean; silent?: boolean; failFirst?: boolean; stall?: boolean; graphDriver?: boolean} = {}): NamedEngine & {calls: string[]} {
  const calls: string[] = []
  const host = `unix:///run/${name}.sock`
  const client: EngineClient = {
    auth: () => Promise.reject(new Error('not used')),
    endpoint: {context: name, host, transport: {kind: 'unix', socketPath: `/run/${name}.sock`}},
    async pull(request: PullRequest, signal: AbortSignal) {
      calls.push(`pull ${request.fromImage}:${request.tag}${request.platform ? ` platform=${request.platform}` : ''} auth=${request.registryAuth}`)
      if (options.failFirst && calls.filter((call) => call.startsWith('pull ')).length === 1) throw new DkrError('received unexpected HTTP status: 503 Service Unavailable')
      inFlight.most = Math.max(inFlight.most, ++inFlight.now)
      return (async function* () {
        if (options.stall) {
          yield recorded[0]
          await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))))
        }

        for (const message of recorded) {
          await new Promise((resolve) => setImmediate(resolve))
          yield message
        }

        inFlight.now--
      })()
    },
    async tag(source: string, repo: string, tag: string) {
      calls.push(`tag ${source} ${repo}:${tag}`)
    },
    async connect(signal: AbortSignal) {
      calls.push('connect')
      if (options.down) throw new EngineUnreachableError(host)
      if (options.silent) await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))))
    },
    async imageStore() {
      calls.push('imageStore')
      return options.graphDriver ? {containerd: false, driver: 'vfs'} : {containerd: true, driver: 'overlayfs'}
    },
    // Keeps no record of an image's manifests, as a graph driver or podman.
    keptImage: async () => undefined,
    version: () => Promise.reject(new Error('not used')),
  }
  return {calls, client, name}
}

function fakeCli(engines: NamedEngine[]): Cli & {output: string[]} {
  const output: string[] = []
  const out = {columns: 0, isTTY: false, rows: 0, write: (text: string) => output.push(text)}
  return {
    configDir: '/nonexistent',
    debug: () => {},
    endpointOptions: {configDir: '/nonexistent', env: {}},
    engine: () => engines[0].client,
    engines: () => engines,
    loadConfig: async () => ({config: {auths: {'registry.invalid': {auth: Buffer.from('u:p').toString('base64')}}}, path: '/nonexistent/config.json'}),
    now: () => Date.now(),
    output,
    preferences: {} as Cli['preferences'],
    prompt: {} as Cli['prompt'],
    signal: new AbortController().signal,
    spinner: async () => ({stop() {}}),
    streams: {env: {}, err: out, in: {} as Cli['streams']['in'], out},
  }
}

const options = (remotes: string[], extra: Partial<PullOptions> = {}): PullOptions => ({all: false, json: false, parallel: 2, progress: 'plain', quiet: false, remotes, retries: 0, stallTimeoutMs: 0, trusted: false, ...extra})

describe('the plan', () => {
  it('asks nothing of the registry or the engine for docker\'s plain pull on one engine', async () => {
    const one = engine('one')
    const plan = await planPull(fakeCli([one]), options(['registry.invalid/app', 'registry.invalid/app:2']))
    assert.equal(plan.pinned, false)
    assert.deepEqual(plan.images.map((i) => [i.result, i.pins, i.error, i.defaultTagUsed]), [['registry.invalid/app:latest', undefined, undefined, true], ['registry.invalid/app:2', undefined, undefined, false]])
    assert.deepEqual(one.calls, [])
  })

  it('on several engines, fails a name the registry cannot resolve before any engine is asked', async () => {
    const engines = [engine('a'), engine('b')]
    const cli = fakeCli(engines)
    const plan = await planPull(cli, options(['registry.invalid/app:1']))
    assert.equal(plan.pinned, true)
    assert.match(plan.images[0].error?.message ?? '', /^registry\.invalid\/app:1: not pulled: cannot resolve it through the registry: /)
    const results = (await executeFleet(cli, plan, options(['registry.invalid/app:1']))).map((o) => o.result)
    assert.deepEqual(results.map((r) => [r.engine, r.status]), [[undefined, 'failed']])
    assert.deepEqual(engines.flatMap((e) => e.calls), [])
  })
})

describe('the fleet', () => {
  it('pulls the pinned digest on every engine with the same credentials, --parallel at a time; one engine down costs only itself', async () => {
    const engines = [engine('edge-1'), engine('edge-2'), engine('edge-3', {down: true}), engine('edge-4')]
    const cli = fakeCli(engines)
    inFlight.most = 0
    const asked = options([`registry.invalid/app@${digest}`])
    const plan = await planPull(cli, asked)
    const results = (await executeFleet(cli, plan, asked)).map((o) => o.result)
    assert.deepEqual(results.map((r) => [r.engine, r.status, r.digest, r.attempts]), [
      ['edge-1', 'downloaded', digest, 1],
      ['edge-2', 'downloaded', digest, 1],
      ['edge-3', 'failed', undefined, 1],
      ['edge-4', 'downloaded', digest, 1],
    ])
    assert.ok(results[0].bytes > 0)
    for (const one of [engines[0], engines[1], engines[3]]) assert.deepEqual(one.calls.map((call) => call.split(' auth=')[0]), ['connect', `pull registry.invalid/app:${digest}`])
    // The client's credentials, the same X-Registry-Auth on every engine.
    const sent = [engines[0], engines[1], engines[3]].map((e) => e.calls[1].split(' auth=')[1])
    assert.equal(new Set(sent).size, 1)
    assert.match(Buffer.from(sent[0], 'base64url').toString(), /"username":"u"/)
    assert.deepEqual(engines[2].calls, ['connect'])
    assert.equal(inFlight.most, 2)
    const lines = cli.output.join('').split('\n')
    assert.ok(lines.includes('edge-3: failed: Cannot connect to the Docker daemon at unix:///run/edge-3.sock. Is the docker daemon running?'))
    assert.ok(lines.filter(Boolean).every((line) => /^edge-\d: /.test(line)), lines.join('\n'))
    assert.equal(failureReport(results)?.message, '1 of 4 engines failed: edge-3 (Cannot connect to the Docker daemon at unix:///run/edge-3.sock. Is the docker daemon running?)')
  })

  it('counts an engine that does not answer as down after the connect timeout, not the stall timeout', async () => {
    const engines = [engine('edge-1'), engine('edge-2', {silent: true})]
    const cli = fakeCli(engines)
    const asked = options([`registry.invalid/app@${digest}`], {connectTimeoutMs: 100, stallTimeoutMs: 60_000})
    const started = Date.now()
    const results = (await executeFleet(cli, await planPull(cli, asked), asked)).map((o) => o.result)
    assert.ok(Date.now() - started < 5000)
    assert.deepEqual(results.map((r) => [r.engine, r.status, r.error]), [
      ['edge-1', 'downloaded', undefined],
      ['edge-2', 'failed', 'Cannot connect to the Docker daemon at unix:///run/edge-2.sock. Is the docker daemon running? (no answer within 100ms)'],
    ])
  })

  it('gives each engine its own retries and stall watchdog: one retried, one stalled, the others pulled once', async () => {
    const engines = [engine('edge-1'), engine('edge-2', {failFirst: true}), engine('edge-3', {stall: true})]
    const cli = fakeCli(engines)
    const asked = options([`registry.invalid/app@${digest}`], {parallel: 3, retries: 1, retryDelayMs: 10, stallTimeoutMs: 200})
    const results = (await executeFleet(cli, await planPull(cli, asked), asked)).map((o) => o.result)
    assert.deepEqual(results.map((r) => [r.engine, r.status, r.attempts]), [['edge-1', 'downloaded', 1], ['edge-2', 'downloaded', 2], ['edge-3', 'failed', 2]])
    assert.match(results[2].error ?? '', /^no progress for 200ms while pulling registry\.invalid\/app@sha256:d+ on edge-3 \(gave up after 2 attempts\)$/)
    const lines = cli.output.join('').split('\n')
    assert.ok(lines.some((line) => /^edge-2: Retrying registry\.invalid\/app@sha256:d+ on edge-2 in 10ms \(attempt 2 of 2\): received unexpected HTTP status: 503/.test(line)), lines.join('\n'))
  })

  it('several platforms: an engine that keeps one platform per name refuses and costs only itself; the others pull each platform, one result each', async () => {
    const engines = [engine('edge-1'), engine('edge-2', {graphDriver: true})]
    const cli = fakeCli(engines)
    const asked = options([`registry.invalid/app@${digest}`], {platforms: ['linux/amd64', 'linux/arm64']})
    const plan = await planPull(cli, asked)
    assert.deepEqual(plan.images[0].platforms, ['linux/amd64', 'linux/arm64'])
    const results = (await executeFleet(cli, plan, asked)).map((o) => o.result)
    assert.deepEqual(results.map((r) => [r.engine, r.status]), [['edge-1', 'downloaded'], ['edge-2', 'failed']])
    assert.deepEqual(engines[0].calls.filter((call) => call.startsWith('pull ')).map((call) => call.split(' auth=')[0]), ['linux/amd64', 'linux/arm64'].map((p) => `pull registry.invalid/app:${digest} platform=${p}`))
    assert.equal(engines[0].calls.filter((call) => call === 'imageStore').length, 1)
    assert.deepEqual(engines[1].calls.filter((call) => call !== 'connect'), ['imageStore'])
    assert.equal(failureReport(results)?.message, '1 of 2 engines failed: edge-2 (cannot pull several platforms: the engine at unix:///run/edge-2.sock keeps one platform per image name (vfs storage); that needs the containerd image store)')
  })
})
