// Peers that lie, end to end: dkr pulls through a registry, a token server, a Notary server or an
// engine that sends too much, never stops, nests a million deep, is not UTF-8, cuts off, trickles, loops
// or answers garbage. Each time dkr must end within its timeouts with one line and a non-zero exit,
// peak memory (wait4's maxrss, by bench/rusage.py) at most 150 MiB, and nothing pulled. No stack is
// needed: the engine is a fake one on a unix socket, every peer a server on loopback. The cases run at
// once; the slowest (a trickle that meets the 30 s deadline) sets the suite's time.
import assert from 'node:assert/strict'
import {createHash, generateKeyPairSync, randomBytes} from 'node:crypto'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {FakeEngine, type PullHandler} from '../helpers/fake-engine.js'
import {endless, HostileServer, trickle, type Answer} from '../helpers/hostile-server.js'
import {signJws} from '../helpers/notation-envelope.js'
import {codeSigningLeaf, issue, makeSelfSigned} from '../helpers/pki.js'
import {baseEnv, dkrBin, projectRoot, run} from '../helpers/run.js'

const memoryLimitMiB = 150
const dir = mkdtempSync(join(tmpdir(), 'dkr-hostile-'))
after(() => rmSync(dir, {force: true, recursive: true}))

interface Outcome {
  code: number | null
  stderr: string
  stdout: string
  wallMs: number
  peakMiB: number
}

let runs = 0
/** dkr under bench/rusage.py: its exit, output, wall time and peak resident memory. */
async function measured(args: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  const out = join(dir, `rusage-${runs++}.txt`)
  const result = await run('python3', [join(projectRoot, 'bench', 'rusage.py'), out, process.execPath, dkrBin, ...args], {env: baseEnv(env), timeoutMs: 75_000})
  const [wall, , peakKiB] = readFileSync(out, 'utf8').trim().split(' ').map(Number)
  return {code: result.code, peakMiB: peakKiB / 1024, stderr: result.stderr, stdout: result.stdout, wallMs: wall}
}

/** One line on stderr, no stack trace, a non-zero exit, within `withinMs`, under the memory bound. */
function assertRefusedCleanly(outcome: Outcome, withinMs: number, expected: RegExp, label: string): void {
  const report = `exit ${outcome.code}, ${Math.round(outcome.wallMs)} ms, ${outcome.peakMiB.toFixed(0)} MiB\nstderr: ${outcome.stderr.slice(0, 2000)}`
  assert.notEqual(outcome.code, 0, report)
  assert.equal(outcome.stderr.trim().split('\n').length, 1, `one line: ${report}`)
  assert.doesNotMatch(outcome.stderr, /^\s+at /m, `no stack trace: ${report}`)
  assert.match(outcome.stderr, expected, report)
  assert.ok(outcome.wallMs < withinMs, `within ${withinMs} ms: ${report}`)
  assert.ok(outcome.peakMiB <= memoryLimitMiB, `at most ${memoryLimitMiB} MiB: ${report}`)
  console.log(`${label} | ${(outcome.wallMs / 1000).toFixed(1)} s | ${outcome.peakMiB.toFixed(0)} MiB | ${outcome.stderr.trim().slice(0, 160)}`)
}

const engine = new FakeEngine()
const manifestPath = /^\/v2\/hostile\/app\/manifests\/(.+)$/
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

/** A registry whose HEAD names the digest of `body`, and whose GET of the manifest answers with `get`. */
function registryServing(body: Buffer, get: Answer): Answer {
  return (request, response) => {
    if (request.method === 'HEAD' && manifestPath.test(request.url ?? '')) {
      response.writeHead(200, {'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': sha256(body)})
      response.end()
      return
    }

    if (manifestPath.test(request.url ?? '')) return get(request, response)
    response.writeHead(404, {'Content-Type': 'application/json'})
    response.end('{"errors":[{"code":"NOT_FOUND","message":"nothing here"}]}')
  }
}

const fixed = (body: Buffer): Answer => (_request, response) => {
  response.writeHead(200, {'Content-Type': 'application/vnd.oci.image.manifest.v1+json'})
  response.end(body)
}

const deepJson = Buffer.from('['.repeat(1_000_000) + ']'.repeat(1_000_000))
const notUtf8 = Buffer.concat([Buffer.from('{"schemaVersion":2,"mediaType":"'), randomBytes(4096).map((byte) => byte | 0x80), Buffer.from('"}')])

interface RegistryCase {
  name: string
  answer: (port: () => number) => Answer
  expected: RegExp
  withinMs: number
}

const registryCases: RegistryCase[] = [
  {answer: () => registryServing(Buffer.alloc(0), (_request, response) => {
    response.writeHead(200, {'Content-Length': String(64 * 1024 * 1024), 'Content-Type': 'application/json'})
    endless(response, Buffer.alloc(64 * 1024, 'x'))
  }), expected: /answer larger than 4194304 bytes/, name: 'an oversized manifest (64 MiB announced and sent)', withinMs: 20_000},
  {answer: () => registryServing(Buffer.alloc(0), (_request, response) => {
    response.writeHead(200, {'Content-Type': 'application/json'})
    endless(response, '{"a":[')
  }), expected: /answer larger than 4194304 bytes/, name: 'a manifest body that never ends (chunked)', withinMs: 20_000},
  {answer: () => registryServing(deepJson, fixed(deepJson)), expected: /nested more than 64 deep/, name: 'a manifest nested a million deep, with its digest right', withinMs: 20_000},
  {answer: () => registryServing(notUtf8, fixed(notUtf8)), expected: /no cosign signature found/, name: 'a manifest that is not UTF-8, with its digest right', withinMs: 20_000},
  {answer: () => registryServing(Buffer.from('{}'), (_request, response) => {
    response.writeHead(200, {'Content-Length': '100000', 'Content-Type': 'application/json'})
    response.write('{"schemaVersion":2,')
    setTimeout(() => response.destroy(), 50)
  }), expected: /: unexpected EOF/, name: 'a manifest body cut short', withinMs: 20_000},
  {answer: () => (_request, response) => {
    response.writeHead(200, {'X-Padding': 'a'.repeat(1024 * 1024)})
    response.end()
  }, expected: /the answer's headers are larger than 16 KiB/, name: 'a header of a megabyte', withinMs: 20_000},
  {answer: () => registryServing(Buffer.from('{}'), (_request, response) => {
    response.writeHead(200, {'Content-Type': 'application/json'})
    trickle(response, 1000)
  }), expected: /no complete answer within 30s/, name: 'a slowloris trickle (a byte a second)', withinMs: 45_000},
  {answer: () => (request, response) => {
    response.writeHead(302, {Location: request.url})
    response.end()
  }, expected: /more than 5 redirects/, name: 'a redirect loop', withinMs: 20_000},
  ...[['null', 'null'], ['binary', randomBytes(2048).toString('latin1')], ['deep', deepJson.toString()], ['huge', 'x'.repeat(2 * 1024 * 1024)]].map(([kind, garbage]): RegistryCase => ({
    answer: (port) => (request, response) => {
      if (request.url?.startsWith('/token')) {
        response.writeHead(200, {'Content-Type': 'application/json'})
        response.end(garbage, 'latin1')
        return
      }

      response.writeHead(401, {'Content-Type': 'application/json', 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${port()}/token",service="hostile"`})
      response.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}')
    },
    expected: /token server|\/token: answer larger than 1048576 bytes/,
    name: `a token endpoint answering garbage (${kind})`,
    withinMs: 20_000,
  })),
]

/** A registry holding one image, whose referrers API answers `referrers` and whose other paths `files` holds. */
function notationRegistry(referrers: (subject: string) => Buffer, files: Map<string, Buffer> = new Map()): Answer {
  const manifest = Buffer.from(JSON.stringify({config: {digest: sha256(Buffer.from('{}')), mediaType: 'application/vnd.oci.image.config.v1+json', size: 2}, layers: [], mediaType: 'application/vnd.oci.image.manifest.v1+json', schemaVersion: 2}))
  return (request, response) => {
    const url = request.url ?? ''
    const body = /\/manifests\/(1|sha256:[0-9a-f]{64})$/.test(url) && (url.endsWith('/1') || url.endsWith(sha256(manifest))) ? manifest : url.includes('/referrers/') ? referrers(sha256(manifest)) : files.get(url.replace(/^.*\/(manifests|blobs)\//, ''))
    if (!body) {
      response.writeHead(404, {'Content-Type': 'application/json'})
      response.end('{"errors":[{"code":"NOT_FOUND","message":"nothing here"}]}')
      return
    }

    const contentType = url.includes('/referrers/') ? 'application/vnd.oci.image.index.v1+json' : 'application/vnd.oci.image.manifest.v1+json'
    response.writeHead(200, {'Content-Length': String(body.length), 'Content-Type': contentType, 'Docker-Content-Digest': sha256(body)})
    response.end(request.method === 'HEAD' ? undefined : body)
  }
}

const referrersIndex = (count: number) => (subject: string) => {
  const entries = Array.from({length: count}, (_, i) => `{"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.cncf.notary.signature","digest":"sha256:${i.toString(16).padStart(64, '0')}","size":${i}}`)
  return Buffer.from(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","subject":"${subject}","manifests":[${entries.join(',')}]}`)
}

describe('hostile peers: dkr ends within its timeouts, in one line, in ≤ 150 MiB, with nothing pulled', {concurrency: true}, () => {
  let policy: string
  let notationConfig: string
  let signer: {keyPem: string; chain: Buffer[]}

  before(async () => {
    await engine.start()
    const {publicKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'})
    const keyPath = join(dir, 'cosign.pub')
    writeFileSync(keyPath, publicKey.export({format: 'pem', type: 'spki'}))
    policy = join(dir, 'policy.json')
    writeFileSync(policy, JSON.stringify({default: [{keyPath, signedIdentity: {type: 'matchRepository'}, type: 'sigstoreSigned'}]}))
    notationConfig = join(dir, 'notation')
    const ca = makeSelfSigned(join(dir, 'notation-pki'), 'ca', '/C=US/ST=WA/O=Hostile/CN=CA', {keyType: 'ec-256'})
    const leaf = issue(join(dir, 'notation-pki'), 'leaf', ca, '/C=US/ST=WA/O=Hostile/CN=Signer', {extensions: codeSigningLeaf, keyType: 'ec-256'})
    signer = {chain: [leaf.der, ca.der], keyPem: leaf.keyPem}
    mkdirSync(join(notationConfig, 'truststore', 'x509', 'ca', 'hostile'), {recursive: true})
    writeFileSync(join(notationConfig, 'truststore', 'x509', 'ca', 'hostile', 'ca.crt'), readFileSync(ca.certPath))
    const statement = {name: 'all', registryScopes: ['*'], signatureVerification: {level: 'strict'}, trustStores: ['ca:hostile'], trustedIdentities: ['*']}
    writeFileSync(join(notationConfig, 'trustpolicy.oci.json'), JSON.stringify({trustPolicies: [statement], version: '1.0'}))
  })

  const notationCases: [string, () => Answer, RegExp][] = [
    ['a referrers index with 100,000 entries', () => notationRegistry(referrersIndex(100_000)), /answer larger than 4194304 bytes/],
    ['a referrers index of 20,000 signatures that fits in 4 MiB', () => notationRegistry(referrersIndex(20_000)), /manifest unknown/],
    ['a signature whose certificate chain is 10,000 deep', () => {
      const envelope = signJws({algorithm: 'ES256', chain: Array.from({length: 10_000}, (_, i) => signer.chain[i === 0 ? 0 : 1]), keyPem: signer.keyPem, payload: Buffer.from('{}')})
      const layer = {digest: sha256(envelope), mediaType: 'application/jose+json', size: envelope.length}
      let files = new Map<string, Buffer>()
      const answer = (subject: string) => {
        const signature = Buffer.from(JSON.stringify({artifactType: 'application/vnd.cncf.notary.signature', config: {digest: sha256(Buffer.from('{}')), mediaType: 'application/vnd.oci.empty.v1+json', size: 2}, layers: [layer], mediaType: 'application/vnd.oci.image.manifest.v1+json', schemaVersion: 2, subject: {digest: subject, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1}}))
        files = new Map([[sha256(signature), signature], [layer.digest, envelope]])
        return Buffer.from(JSON.stringify({manifests: [{artifactType: 'application/vnd.cncf.notary.signature', digest: sha256(signature), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: signature.length}], mediaType: 'application/vnd.oci.image.index.v1+json', schemaVersion: 2}))
      }
      const registry = notationRegistry(answer, new Map())
      return (request, response) => (files.has((request.url ?? '').replace(/^.*\/(manifests|blobs)\//, '')) ? notationRegistry(answer, files)(request, response) : registry(request, response))
    }, /certificate chain has 10000 certificates, more than 32/],
  ]

  for (const [name, answer, expected] of notationCases) {
    it(`a registry answering notation with ${name}`, async () => {
      const server = await new HostileServer(answer()).start()
      try {
        const outcome = await measured(['pull', '--notation-config', notationConfig, `127.0.0.1:${server.port}/hostile/app:1`], {DOCKER_HOST: engine.host})
        assertRefusedCleanly(outcome, 20_000, expected, name)
        assert.deepEqual(engine.pulls.filter((pull) => pull.fromImage?.includes(`:${server.port}/`)), [], 'nothing pulled')
      } finally {
        await server.stop()
      }
    })
  }

  after(() => engine.stop())

  for (const hostile of registryCases) {
    it(`a registry sending ${hostile.name}`, async () => {
      let port = 0
      const server = await new HostileServer(hostile.answer(() => port)).start()
      port = server.port
      try {
        const outcome = await measured(['pull', '--signature-policy', policy, `127.0.0.1:${port}/hostile/app:1`], {DOCKER_HOST: engine.host})
        assertRefusedCleanly(outcome, hostile.withinMs, hostile.expected, hostile.name)
        assert.ok(server.requests.length > 0, 'dkr asked the hostile registry')
        assert.deepEqual(engine.pulls.filter((pull) => pull.fromImage?.includes(`:${port}/`)), [], 'nothing pulled')
      } finally {
        await server.stop()
      }
    })
  }

  const engineCases: [string, PullHandler, RegExp][] = [
    ['garbage forever, no newline', (_request, response) => {
      response.writeHead(200, {'Content-Type': 'application/json'})
      endless(response, Buffer.from(randomBytes(64 * 1024).map((byte) => (byte === 0x0a ? 0x20 : byte))))
    }, /invalid progress message from the engine: ".+…"$/m],
    ['a million [ and more, forever', (_request, response) => {
      response.writeHead(200, {'Content-Type': 'application/json'})
      endless(response, '['.repeat(64 * 1024))
    }, /invalid progress message from the engine/],
    ['a million [ then a newline', (_request, response) => {
      response.writeHead(200, {'Content-Type': 'application/json'})
      response.end(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}\n`)
    }, /invalid progress message from the engine/],
    ['an error status whose message never ends', (_request, response) => {
      response.writeHead(500, {'Content-Type': 'application/json'})
      endless(response, Buffer.alloc(64 * 1024, 'x'))
    }, /^unix:\/\/\S+: the engine sent an error answer larger than 8388608 bytes$/m],
  ]

  for (const [name, handler, expected] of engineCases) {
    it(`an engine streaming ${name}`, async () => {
      const hostileEngine = new FakeEngine(handler)
      await hostileEngine.start()
      try {
        assertRefusedCleanly(await measured(['pull', 'hostile/app:1'], {DOCKER_HOST: hostileEngine.host}), 20_000, expected, name)
      } finally {
        await hostileEngine.stop()
      }
    })
  }

  it('an engine whose image record never ends, after a pull it reports done: the pull stands, the report is left out, within its bound', async () => {
    // API 1.51: dkr asks the engine which platform manifest it kept (GET /images/…/json?manifests=1).
    const hostileEngine = new FakeEngine()
    hostileEngine.apiVersion = '1.51'
    hostileEngine.other = (request, response) => {
      if (!/\/images\/.+\/json/.test(request.url ?? '')) return false
      response.writeHead(200, {'Content-Type': 'application/json'})
      endless(response, Buffer.alloc(64 * 1024, '['))
      return true
    }
    await hostileEngine.start()
    try {
      const outcome = await measured(['pull', `127.0.0.1:9/hostile/app:1`], {DOCKER_HOST: hostileEngine.host})
      const report = `exit ${outcome.code}, ${Math.round(outcome.wallMs)} ms, ${outcome.peakMiB.toFixed(0)} MiB\nstderr: ${outcome.stderr.slice(0, 2000)}`
      assert.deepEqual([outcome.code, outcome.stderr], [0, ''], report)
      assert.doesNotMatch(outcome.stdout, /^Platform /m)
      assert.ok(outcome.wallMs < 15_000 && outcome.peakMiB <= memoryLimitMiB, report)
      console.log(`engine image record forever | ${(outcome.wallMs / 1000).toFixed(1)} s | ${outcome.peakMiB.toFixed(0)} MiB | pulled, no platform line`)
    } finally {
      await hostileEngine.stop()
    }
  })

  const notaryCases: [string, Answer, RegExp][] = [
    ['a root that never ends', (_request, response) => {
      response.writeHead(200, {'Content-Type': 'application/json'})
      endless(response, Buffer.alloc(64 * 1024, '['))
    }, /root: more than the 8388608 bytes signed for/],
    ['a root nested a million deep', (_request, response) => {
      response.writeHead(200, {'Content-Type': 'application/json'})
      response.end(deepJson)
    }, /root: nested more than 64 deep/],
    ['a root that is not UTF-8', (_request, response) => {
      response.writeHead(200, {'Content-Type': 'application/json'})
      response.end(notUtf8)
    }, /root: not a signed TUF document/],
  ]

  for (const [name, answer, expected] of notaryCases) {
    it(`a Notary server sending ${name}`, async () => {
      const pki = makeSelfSigned(join(dir, `notary-${name.replaceAll(' ', '-')}`), 'notary', '/CN=127.0.0.1', {keyType: 'ec-256'})
      const server = await new HostileServer(answer, {cert: readFileSync(pki.certPath, 'utf8'), key: pki.keyPem}).start()
      try {
        const registry = await new HostileServer(registryServing(Buffer.from('{}'), fixed(Buffer.from('{}')))).start()
        try {
          const outcome = await measured(['pull', `127.0.0.1:${registry.port}/hostile/app:1`], {DOCKER_CONTENT_TRUST: '1', DOCKER_CONTENT_TRUST_SERVER: `https://127.0.0.1:${server.port}`, DOCKER_HOST: engine.host})
          assertRefusedCleanly(outcome, 40_000, expected, name)
          assert.ok(server.requests.length > 0, 'dkr asked the hostile Notary server')
          assert.deepEqual(engine.pulls.filter((pull) => pull.fromImage?.includes(`:${registry.port}/`)), [], 'nothing pulled')
        } finally {
          await registry.stop()
        }
      } finally {
        await server.stop()
      }
    })
  }
})
