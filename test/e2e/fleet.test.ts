// One pull onto many engines, on the real stack: dockerd 20.10 three ways (its unix socket, its TLS
// listener and ssh, each a docker context made by the real `docker context create`), Docker 28 with the
// containerd store and podman, all in one command. The docker CLI (talking to each engine) and crane are
// the oracles: every engine ends with the digest the plan pinned, even when the tag moves meanwhile.
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {FaultProxy} from '../helpers/fault-proxy.js'
import {runInPty} from '../helpers/pty.js'
import {baseEnv, dkr, dkrBin, docker, run, tempConfigDir} from '../helpers/run.js'
import {screenOf, visibleText} from '../helpers/screen.js'
import {sshHome} from '../helpers/ssh-home.js'
import {required, stack} from '../helpers/stack.js'

/** The engines as docker contexts, with the host the docker CLI reaches each by (the oracle). */
const engines = () => [
  {context: 'fleet-unix', docker: `host=${stack.dockerHost}`, host: stack.dockerHost},
  {context: 'fleet-tls', docker: `host=${stack.tlsHost},ca=${join(stack.tlsCerts, 'ca.pem')},cert=${join(stack.tlsCerts, 'cert.pem')},key=${join(stack.tlsCerts, 'key.pem')}`, host: stack.dockerHost},
  {context: 'fleet-ssh', docker: `host=${required('DKR_SSH_HOST')}`, host: stack.dockerHost},
  {context: 'fleet-modern', docker: `host=${required('DKR_MODERN_HOST')}`, host: required('DKR_MODERN_HOST')},
  {context: 'fleet-podman', docker: `host=${required('DKR_PODMAN_HOST')}`, host: required('DKR_PODMAN_HOST')},
]

/** The distinct engines behind the contexts (dockerd is reached three ways). */
const hosts = () => [...new Set(engines().map((e) => e.host))]

interface FleetResult {
  engine?: string
  reference: string
  digest?: string
  status: string
  bytes: number
  attempts: number
  error?: string
  verification?: unknown[]
}

let configDir: string
/** A home with the ssh key and known_hosts, and DOCKER_CONFIG holding the contexts (and credentials). */
let env: NodeJS.ProcessEnv

async function removeEverywhere(...references: string[]): Promise<void> {
  for (const host of hosts()) await docker(['image', 'rm', '-f', ...references], {env: baseEnv({DOCKER_HOST: host})})
}

/** What the engine at `host` says `reference` is: its repo digests, by the docker CLI. */
async function repoDigests(host: string, reference: string): Promise<string[]> {
  const result = await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', reference], {env: baseEnv({DOCKER_HOST: host})})
  assert.equal(result.code, 0, `${host}: ${result.stderr}`)
  return JSON.parse(result.stdout) as string[]
}

async function crane(args: string[]): Promise<string> {
  const result = await run(join(required('DKR_TOOLS_PATH').split(':')[0], 'crane'), args, {env: baseEnv({DOCKER_CONFIG: configDir})})
  assert.equal(result.code, 0, result.stderr)
  return result.stdout.trim()
}

function results(stdout: string): FleetResult[] {
  return (JSON.parse(stdout) as {images: FleetResult[]}).images
}

describe('one pull onto many engines', () => {
  before(async () => {
    configDir = tempConfigDir()
    const auth = Buffer.from(`${stack.privateUser}:${stack.privatePassword}`).toString('base64')
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({auths: {[stack.privateRegistry]: {auth}}}))
    const downDir = mkdtempSync(join(tmpdir(), 'dkr-fleet-down-'))
    for (const [name, host] of [...engines().map((e) => [e.context, e.docker]), ['fleet-down', `host=unix://${join(downDir, 'docker.sock')}`]]) {
      const made = await docker(['context', 'create', name, '--docker', host], {env: baseEnv({DOCKER_CONFIG: configDir})})
      assert.equal(made.code, 0, made.stderr)
    }

    env = {...sshHome(), DOCKER_CONFIG: configDir}
    delete env.DOCKER_HOST
  })

  it('pulls the planned digest onto dockerd (unix, TLS, ssh), Docker 28 and podman at once, one --json result per engine', async () => {
    const image = `${stack.registry}/demo/app:1.0`
    await removeEverywhere(image)
    const digest = await crane(['digest', '--insecure', image])
    const pull = await dkr(['pull', '--json', '--parallel', '5', '-c', 'fleet-unix,fleet-tls', '-c', 'fleet-ssh', '--context', 'fleet-[mp]*', image], {env, timeoutMs: 120_000})
    assert.equal(pull.code, 0, pull.stderr)
    const pulled = results(pull.stdout)
    assert.deepEqual(pulled.map((r) => r.engine).sort(), engines().map((e) => e.context).sort())
    for (const result of pulled) {
      assert.deepEqual({digest: result.digest, failed: result.status === 'failed', reference: result.reference}, {digest, failed: false, reference: image}, JSON.stringify(result))
      assert.ok(result.attempts >= 1)
    }

    for (const host of hosts()) assert.ok((await repoDigests(host, image)).includes(`${stack.registry}/demo/app@${digest}`), host)
  })

  it('prints the pinned digest, then docker\'s plain lines prefixed with each engine\'s name', async () => {
    const image = `${stack.registry}/demo/app:1.0`
    const digest = await crane(['digest', '--insecure', image])
    const pull = await dkr(['pull', '-c', 'fleet-unix,fleet-podman', image], {env, timeoutMs: 60_000})
    assert.equal(pull.code, 0, pull.stderr)
    const lines = pull.stdout.trimEnd().split('\n')
    assert.equal(lines[0], `${stack.registry}/demo/app:1.0 is ${digest}: pulling it on 2 engines`)
    for (const line of lines.slice(1)) assert.match(line, /^fleet-(unix|podman): /)
    for (const engine of ['fleet-unix', 'fleet-podman']) {
      assert.ok(lines.includes(`${engine}: Pull (1 of 1): ${stack.registry}/demo/app:1.0@${digest}`), pull.stdout)
      assert.ok(lines.includes(`${engine}: ${image}`), pull.stdout)
    }
  })

  it('on a terminal: a line per engine while it works, then the finished ones counted, the failed one named, a total; nothing stale', async () => {
    const image = `${stack.registry}/demo/mid:1.0`
    await removeEverywhere(image)
    const columns = 160
    const rows = 12
    let working = false
    const onData = (all: string) => (working ||= /fleet-(unix|modern|podman) +pulling/.test(visibleText(all)))
    const {bytes, exitCode} = await runInPty(process.execPath, [dkrBin, 'pull', '-c', 'fleet-unix,fleet-down,fleet-modern,fleet-podman', image], {columns, env: {...env, TERM: 'xterm-256color'}, onData, rows, timeoutMs: 60_000})
    assert.equal(exitCode, 1)
    assert.ok(working, 'no line showed an engine at work')
    const screen = await screenOf(bytes, columns, rows)
    const digest = await crane(['digest', '--insecure', image])
    assert.equal(screen[0], `${image} is ${digest}: pulling it on 4 engines`)
    assert.ok(screen.some((line) => /^fleet-down: failed: Cannot connect to the Docker daemon/.test(line)), screen.join('\n'))
    assert.ok(screen.includes('3 done, 1 failed, 0 pulling (of 4)'), screen.join('\n'))
    assert.match(screen.find((line) => line.startsWith('Total: ')) ?? '', /^Total: [\d.]+MB\/[\d.]+MB {2}[\d.]+[kM]B\/s {2}\d+s$/)
    assert.ok(screen.some((line) => line.startsWith('1 of 4 engines failed: fleet-down (')), screen.join('\n'))
    // Lines of engines at work are redrawn in place: none may be left behind once all have finished.
    assert.deepEqual(screen.filter((line) => /^fleet-\S+ +(connecting|pulling|tagging|retrying)\b/.test(line)), [])
  })

  it('an engine that is down costs only itself: the others pull, and one line names it', async () => {
    const image = `${stack.registry}/demo/small:1.0`
    await removeEverywhere(image)
    const started = Date.now()
    const pull = await dkr(['pull', '--json', '-c', 'fleet-unix,fleet-down,fleet-podman', image], {env, timeoutMs: 60_000})
    assert.equal(pull.code, 1)
    assert.ok(Date.now() - started < 30_000)
    assert.match(pull.stderr, /^1 of 3 engines failed: fleet-down \(Cannot connect to the Docker daemon at unix:\/\/.*docker\.sock\. Is the docker daemon running\?\)\n$/)
    const pulled = results(pull.stdout)
    assert.deepEqual(pulled.map((r) => [r.engine, r.status === 'failed']), [['fleet-unix', false], ['fleet-down', true], ['fleet-podman', false]])
  })

  it('several platforms: the containerd-store engine pulls each, with the registry\'s digests; dockerd\'s graph driver and podman refuse, each costing only itself', async () => {
    const image = `${stack.registry}/demo/platforms:1.0`
    await removeEverywhere(image)
    const index = await crane(['digest', '--insecure', image])
    const manifests = (JSON.parse(await crane(['manifest', '--insecure', image])) as {manifests: {digest: string; platform: {os: string; architecture: string; variant?: string}}[]}).manifests
    const digestOf = (platform: string) => manifests.find((m) => [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/') === platform)?.digest
    const pull = await dkr(['pull', '--json', '--platform', 'linux/amd64,linux/arm/v7', '-c', 'fleet-unix,fleet-modern,fleet-podman', image], {env, timeoutMs: 60_000})
    assert.equal(pull.code, 1)
    const refusal = (engine: string, driver: string) => `${engine} \\(cannot pull several platforms: the engine at \\S+ keeps one platform per image name \\(${driver} storage\\); that needs the containerd image store\\)`
    assert.match(pull.stderr, new RegExp(`^2 of 3 engines failed: ${refusal('fleet-unix', 'vfs')}, ${refusal('fleet-podman', 'vfs')}\\n$`))
    const pulled = results(pull.stdout) as (FleetResult & {platforms?: {platform: string; digest: string}[]})[]
    assert.deepEqual(pulled.map((r) => [r.engine, r.status === 'failed']), [['fleet-unix', true], ['fleet-modern', false], ['fleet-podman', true]])
    const modern = pulled[1]
    assert.equal(modern.digest, index)
    assert.deepEqual(modern.platforms, ['linux/amd64', 'linux/arm/v7'].map((platform) => ({digest: digestOf(platform), platform})))
    for (const host of [stack.dockerHost, required('DKR_PODMAN_HOST')]) assert.equal((await docker(['image', 'inspect', image], {env: baseEnv({DOCKER_HOST: host})})).code, 1, host)
    await removeEverywhere(image)
  })

  it('pulls from a private registry on every engine with the client\'s credentials, and a name the registry refuses asks no engine', async () => {
    const image = `${stack.privateRegistry}/private/app:1.0`
    await removeEverywhere(image)
    const pull = await dkr(['pull', '-q', '-c', 'fleet-unix,fleet-modern,fleet-podman', image], {env, timeoutMs: 60_000})
    assert.equal(pull.code, 0, pull.stderr)
    assert.equal(pull.stdout, `${image}\n`)
    for (const host of hosts()) assert.ok((await repoDigests(host, image)).length > 0, host)

    const anonymous = {...env, DOCKER_CONFIG: tempConfigDir()}
    // The contexts live in the logged-in config; an empty one has none, so the engines are named by host here.
    const refused = await dkr(['pull', '-H', stack.dockerHost, '-H', required('DKR_PODMAN_HOST'), `${stack.privateRegistry}/private/app:1.0`], {env: anonymous, timeoutMs: 60_000})
    assert.equal(refused.code, 1)
    assert.equal(refused.stdout, '')
    assert.match(refused.stderr, /^127\.0\.0\.1:\d+\/private\/app:1\.0: not pulled: cannot resolve it through the registry: .*\n/)
  })

  it('with content trust, resolves the signed digest through Notary once and pulls it everywhere; an unsigned tag asks no engine', async () => {
    const signed = `${stack.registry}/signed/app:1.0`
    await removeEverywhere(signed)
    const trusted = {...env, DOCKER_CONTENT_TRUST: '1', DOCKER_CONTENT_TRUST_SERVER: stack.notaryServer}
    const pull = await dkr(['pull', '--json', '-c', 'fleet-unix,fleet-modern', signed], {env: trusted, timeoutMs: 60_000})
    assert.equal(pull.code, 0, pull.stderr)
    const digest = await crane(['digest', '--insecure', signed])
    assert.deepEqual(results(pull.stdout).map((r) => [r.engine, r.digest]), [['fleet-unix', digest], ['fleet-modern', digest]])
    for (const host of [stack.dockerHost, required('DKR_MODERN_HOST')]) assert.ok((await repoDigests(host, signed)).includes(`${stack.registry}/signed/app@${digest}`), host)
    const unsigned = await dkr(['pull', '-c', 'fleet-unix,fleet-modern', `${stack.registry}/signed/app:unsigned`], {env: trusted, timeoutMs: 60_000})
    assert.equal(unsigned.code, 1)
    assert.equal(unsigned.stdout, '')
    assert.equal(unsigned.stderr, 'No valid trust data for unsigned\n')
  })

  describe('a tag that moves between the plan and the pulls', () => {
    let proxy: FaultProxy
    before(async () => {
      proxy = new FaultProxy(stack.registry, Number(required('DKR_FAULT_PORT')))
      await proxy.start()
    })
    after(() => proxy.stop())

    it('every engine still gets the digest the plan resolved, and is tagged with it', async () => {
      const image = `${proxy.address}/demo/app:1.0`
      await removeEverywhere(image)
      const planned = await crane(['digest', '--insecure', `${stack.registry}/demo/app:1.0`])
      const moved = await crane(['digest', '--insecure', `${stack.registry}/demo/app:1.1`])
      // The plan's HEAD sees 1.0; from then on the proxy answers the tag with 1.1's manifest.
      proxy.fault = {after: 1, match: '/manifests/1.0', rewrite: {from: '/manifests/1.0', to: '/manifests/1.1'}}
      const pull = await dkr(['pull', '--json', '-c', 'fleet-unix,fleet-modern,fleet-podman', image], {env, timeoutMs: 120_000})
      assert.equal(pull.code, 0, pull.stderr)
      assert.deepEqual(results(pull.stdout).map((r) => r.digest), [planned, planned, planned])
      // The tag did move: anyone resolving it now gets 1.1.
      assert.equal(await crane(['digest', '--insecure', image]), moved)
      for (const host of hosts()) {
        const digests = await repoDigests(host, image)
        assert.ok(digests.includes(`${proxy.address}/demo/app@${planned}`), `${host}: ${digests.join(' ')}`)
        assert.ok(!digests.includes(`${proxy.address}/demo/app@${moved}`), host)
      }

      proxy.fault = undefined
    })

    it('verifies a signature policy once for all engines', async () => {
      const image = `${proxy.address}/sig/bundle:1.0`
      await removeEverywhere(image)
      const policy = join(mkdtempSync(join(tmpdir(), 'dkr-fleet-policy-')), 'policy.json')
      const keyPath = join(required('DKR_COSIGN_KEYS'), 'k1.pub')
      writeFileSync(policy, JSON.stringify({default: [{type: 'reject'}], transports: {docker: {[`${proxy.address}/sig`]: [{keyPath, signedIdentity: {type: 'matchRepository'}, type: 'sigstoreSigned'}]}}}))
      const before = proxy.log.length
      const pull = await dkr(['pull', '--json', '--signature-policy', policy, '-c', 'fleet-unix,fleet-modern,fleet-podman', image], {env, timeoutMs: 120_000})
      assert.equal(pull.code, 0, pull.stdout + pull.stderr)
      const pulled = results(pull.stdout)
      assert.equal(pulled.length, 3)
      for (const result of pulled) assert.equal((result.verification as {verified?: boolean}[])[0].verified, true)
      // The signatures were read once (by the plan), not once per engine: engines pull only the image.
      const signatureReads = proxy.log.slice(before).filter((line) => /referrers|sha256-[0-9a-f]{64}/.test(line))
      assert.ok(signatureReads.length > 0 && signatureReads.length <= 3, signatureReads.join('\n'))
      const tagged = proxy.log.slice(before).filter((line) => line.includes('/manifests/1.0'))
      assert.equal(tagged.length, 1, tagged.join('\n'))
    })
  })

  it('Ctrl-C cancels the pull on every engine and exits 130', async () => {
    const image = `${stack.slowRegistry}/demo/large:1.0`
    await removeEverywhere(image)
    let interruptedAt = 0
    const pull = await dkr(['pull', '-c', 'fleet-unix,fleet-modern,fleet-podman', image], {
      env,
      onStdout(text, child) {
        if (interruptedAt === 0 && /: Pull \(1 of 1\)/.test(text)) {
          interruptedAt = Date.now()
          setTimeout(() => child.kill('SIGINT'), 300)
        }
      },
      timeoutMs: 60_000,
    })
    assert.equal(pull.code, 130, pull.stderr)
    assert.ok(Date.now() - interruptedAt < 5000)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    for (const host of hosts()) {
      const inspect = await docker(['image', 'inspect', image], {env: baseEnv({DOCKER_HOST: host})})
      assert.notEqual(inspect.code, 0, `${host} finished the pull after Ctrl-C`)
    }
  })
})
