// Several platforms in one pull (nerdctl's --platform a,b and --all-platforms) and the digests a pull
// names, against the stack's three-platform index demo/platforms:1.0 (linux/amd64, linux/arm64,
// linux/arm/v7). The registry's own answers are the oracle for every digest; the docker CLI's
// `image ls --tree` for what Docker 28.5's containerd store holds afterwards.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {createServer, type Server} from 'node:net'
import {describeEngine, enginesUnderTest} from '../helpers/engines.js'
import {FakeEngine} from '../helpers/fake-engine.js'
import {baseEnv, dkr, docker} from '../helpers/run.js'
import {imageExists, removeImages, stack} from '../helpers/stack.js'
import {crane, NotationHome} from '../helpers/notation.js'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

const index = () => `${stack.registry}/demo/platforms:1.0`

/**
 * A copy of the index signed by cosign (its own repository, so the other tests' tag lists stay as they are),
 * and a containers-policy.json that requires that key for it.
 */
const signed = (() => {
  let made: Promise<{reference: string; policy: string}> | undefined
  return () =>
    (made ??= (async () => {
      const reference = `${stack.registry}/demo/platforms-signed:1.0`
      await crane(['copy', '--insecure', index(), reference])
      const home = new NotationHome()
      await home.cosignSign(reference)
      const policy = join(home.dir, 'policy.json')
      const scope = {[`${stack.registry}/demo/platforms-signed`]: [{keyPath: home.cosignKey, signedIdentity: {type: 'matchRepository'}, type: 'sigstoreSigned'}]}
      writeFileSync(policy, JSON.stringify({default: [{type: 'reject'}], transports: {docker: scope}}))
      return {policy, reference}
    })())
})()

interface Entry {
  digest: string
  platform: {os: string; architecture: string; variant?: string}
}

/** What the registry says: the index's digest and each platform's manifest digest. */
async function registryAnswer(): Promise<{digest: string; platforms: Map<string, string>}> {
  const response = await fetch(`http://${stack.registry}/v2/demo/platforms/manifests/1.0`, {headers: {accept: 'application/vnd.oci.image.index.v1+json'}})
  assert.equal(response.status, 200)
  const manifests = ((await response.json()) as {manifests: Entry[]}).manifests
  const platforms = new Map(manifests.map((m) => [[m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/'), m.digest]))
  return {digest: response.headers.get('docker-content-digest')!, platforms}
}

/** The platforms `docker image ls --tree` shows the image holds (content size not 0B), with their short ids. */
async function treePlatforms(reference: string): Promise<Map<string, string>> {
  const result = await docker(['image', 'ls', '--tree', reference], {env: baseEnv()})
  assert.equal(result.code, 0, result.stderr)
  const rows = result.stdout.split('\n').flatMap((line) => {
    // `├─ linux/amd64   f86fc9b2a092   7.15MB   2.12MB`: a platform of the index, with its disk usage and content size.
    const match = /^[├└]─ (\S+)\s+([0-9a-f]{12})\s+(\S+)\s+(\S+)/.exec(line)
    return match && match[4] !== '0B' ? [[match[1], match[2]] as const] : []
  })
  return new Map(rows)
}

const platformLines = (stdout: string) => stdout.split('\n').filter((line) => /^Platform /.test(line.replace(/^.*?: (?=Platform )/, '')))

interface JsonImage {
  digest?: string
  status: string
  platforms?: {platform: string; digest: string}[]
}

describe('platform flags, and a registry only the engine reaches', () => {
  const engine = new FakeEngine()
  // A registry that takes connections and never answers, as one behind the engine's network looks to dkr.
  const silent: Server = createServer(() => {})
  before(async () => {
    await engine.start()
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  })
  after(async () => {
    await engine.stop()
    silent.close()
  })

  it('the pull ends within the lookup bound, done and without a platform line, when dkr cannot ask the registry', async () => {
    const name = `127.0.0.1:${(silent.address() as {port: number}).port}/demo/app:1.0`
    const started = Date.now()
    const result = await dkr(['pull', name], {env: baseEnv({DOCKER_HOST: engine.host})})
    assert.equal(result.code, 0, result.stderr)
    assert.doesNotMatch(result.stdout, /^Platform /m)
    assert.equal(result.stdout.trim().split('\n').at(-1), name)
    assert.ok(Date.now() - started < 9000, `${Date.now() - started} ms`)
  })

  it('--all-platforms with --platform: a usage error (exit 125), before any engine is asked', async () => {
    const result = await dkr(['pull', '--all-platforms', '--platform', 'linux/amd64', index()])
    assert.equal(result.code, 125)
    assert.equal(result.stderr.split('\n')[0], '--all-platforms and --platform cannot be used together')
  })
})

for (const engine of enginesUnderTest()) {
  describeEngine(engine, 'platforms and digests', () => {
    const containerd = engine.kind === 'containerd-store'
    let registry: Awaited<ReturnType<typeof registryAnswer>>
    // The containerd store keeps another image's blobs, and demo/multi shares two of these manifests.
    const clean = () => removeImages(index(), `${stack.registry}/demo/multi:1.0`, `${stack.registry}/demo/app:1.0`)
    before(async () => {
      registry = await registryAnswer()
      assert.equal(registry.platforms.size, 3)
      await clean()
    })
    after(clean)

    if (containerd) {
      // First of the file on this engine: the containerd store keeps a platform's content for a while after
      // its image is removed, and --tree would count it as held.
      it('--platform a,b: both platforms in the one image (docker image ls --tree), each manifest named as the registry names it', async () => {
        const result = await dkr(['pull', '--platform', 'linux/amd64,linux/arm/v7', index()])
        assert.equal(result.code, 0, result.stderr)
        assert.deepEqual(platformLines(result.stdout).map((line) => line.replace(/^.*?: (?=Platform )/, '')).sort(), [
          `Platform linux/amd64: ${registry.platforms.get('linux/amd64')}`,
          `Platform linux/arm/v7: ${registry.platforms.get('linux/arm/v7')}`,
        ])
        assert.equal(result.stdout.trim().split('\n').at(-1)!.replace(/^.*: /, ''), index())
        const tree = await treePlatforms(index())
        assert.deepEqual([...tree.keys()].sort(), ['linux/amd64', 'linux/arm/v7'])
        for (const [platform, id] of tree) assert.ok(registry.platforms.get(platform)!.startsWith(`sha256:${id}`), platform)
      })

      it('--platform repeated, with --json: platforms: [{platform, digest}] and the index digest', async () => {
        const result = await dkr(['pull', '--json', '--platform', 'linux/arm64', '--platform', 'linux/arm/v7', index()])
        assert.equal(result.code, 0, result.stderr)
        const [image] = (JSON.parse(result.stdout) as {images: JsonImage[]}).images
        assert.equal(image.digest, registry.digest)
        assert.deepEqual(image.platforms, ['linux/arm64', 'linux/arm/v7'].map((platform) => ({digest: registry.platforms.get(platform), platform})))
        await clean()
      })

      it('--all-platforms: every platform of the index in the one image; -q prints the name once', async () => {
        const quiet = await dkr(['pull', '-q', '--all-platforms', index()])
        assert.deepEqual([quiet.code, quiet.stdout], [0, `${index()}\n`])
        const result = await dkr(['pull', '--all-platforms', '--json', index()])
        assert.equal(result.code, 0, result.stderr)
        const [image] = (JSON.parse(result.stdout) as {images: JsonImage[]}).images
        assert.deepEqual(new Map(image.platforms!.map((p) => [p.platform, p.digest])), registry.platforms)
        const tree = await treePlatforms(index())
        assert.deepEqual([...tree.keys()].sort(), [...registry.platforms.keys()].sort())
      })

      it('with a signature policy: the index is verified once, each platform is pulled by its verified digest, -q prints the name once', async () => {
        const {policy, reference} = await signed()
        const quiet = await dkr(['pull', '-q', '--signature-policy', policy, '--platform', 'linux/amd64,linux/arm64', reference])
        assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, `${reference}\n`, ''])
        // The store still holds linux/arm/v7's content from the tests above (the same blobs): --tree may list it too.
        const tree = await treePlatforms(reference)
        for (const platform of ['linux/amd64', 'linux/arm64']) assert.ok(registry.platforms.get(platform)!.startsWith(`sha256:${tree.get(platform)}`), platform)
        const result = await dkr(['pull', '--json', '--signature-policy', policy, '--all-platforms', reference])
        assert.equal(result.code, 0, result.stderr)
        const [image] = (JSON.parse(result.stdout) as {images: (JsonImage & {verification: {verified: boolean}[]})[]}).images
        assert.equal(image.digest, registry.digest)
        assert.deepEqual(image.verification.map((v) => v.verified), [true])
        assert.deepEqual(new Map(image.platforms!.map((p) => [p.platform, p.digest])), registry.platforms)
        await removeImages(reference)
      })
    } else {
      it('several platforms: refused before the pull starts, in one line; nothing pulled', async () => {
        for (const args of [['--platform', 'linux/amd64,linux/arm64'], ['--all-platforms']]) {
          const result = await dkr(['pull', ...args, index()])
          assert.equal(result.code, 1)
          assert.match(result.stderr, /^cannot pull several platforms: the engine at unix:\/\/\S+ keeps one platform per image name \(vfs storage\); that needs the containerd image store\n$/)
          assert.equal(result.stdout, '')
          assert.equal(await imageExists(index()), false)
        }
      })
    }

    it('a single-platform pull of the index prints the index digest and names the platform manifest it got', async () => {
      const result = await dkr(['pull', '--platform', 'linux/arm64', index()])
      assert.equal(result.code, 0, result.stderr)
      assert.deepEqual(platformLines(result.stdout), [`Platform linux/arm64: ${registry.platforms.get('linux/arm64')}`])
      // docker's own Digest line is the index's (podman prints none).
      if (engine.kind !== 'podman') assert.ok(result.stdout.includes(`Digest: ${registry.digest}\n`), result.stdout)
      const json = await dkr(['pull', '--json', index()])
      const [image] = (JSON.parse(json.stdout) as {images: JsonImage[]}).images
      assert.equal(image.digest, registry.digest)
      assert.deepEqual(image.platforms, [{digest: registry.platforms.get('linux/amd64'), platform: 'linux/amd64'}])
      await clean()
    })
  })
}
