import assert from 'node:assert/strict'
import {before, describe, it} from 'node:test'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {baseEnv, dkr, docker, run, dkrBin, tempConfigDir} from '../helpers/run.js'
import {describeEngine, enginesUnderTest} from '../helpers/engines.js'
import {imageExists, removeAllImages, removeImages, stack} from '../helpers/stack.js'

/**
 * Layer lines come in an order that depends on timing, and dockerd sends `Verifying Checksum` only
 * for some layers depending on timing too; everything else must match line for line.
 */
function shape(output: string): string[] {
  return output.split('\n').filter((line) => !/^[0-9a-f]{12}: /.test(line))
}

/** Each layer's distinct lines: the containerd store now and then repeats a layer's `Pull complete`. */
function layerLines(output: string): string[] {
  return [...new Set(output.split('\n').filter((line) => /^[0-9a-f]{12}: /.test(line) && !line.endsWith(': Verifying Checksum')))].sort()
}

describe('dkr image pull, before the engine is called', () => {
  it('refuses a tag with -a', async () => {
    const result = await dkr(['pull', '-a', `${stack.registry}/demo/app:1.0`])
    assert.equal(result.code, 1)
    assert.equal(result.stderr, "tag can't be used with --all-tags/-a\n")
  })

  it('fails clearly when the engine is not there, before any pull', async () => {
    const env = baseEnv({DOCKER_HOST: 'unix:///nonexistent/docker.sock'})
    const ours = await dkr(['pull', 'nginx'], {env})
    assert.equal(ours.code, 1)
    assert.equal(ours.stderr, 'Cannot connect to the Docker daemon at unix:///nonexistent/docker.sock. Is the docker daemon running?\n')
  })

  it('fails on a bad name', async () => {
    const env = baseEnv({DOCKER_HOST: 'unix:///nonexistent/docker.sock'})
    const result = await dkr(['pull', '--', '-x'], {env})
    assert.equal(result.code, 1)
    assert.equal(result.stderr, 'invalid reference format\n')
  })
})

/** How each engine words a missing tag or repository (podman in the stream, the Docker engines as HTTP errors). */
const missingImage = {
  'containerd-store': /^Error response from daemon: failed to resolve reference ".*": .*: not found\n$/,
  dockerd: /^Error response from daemon: manifest for .* not found: manifest unknown: manifest unknown\n$/,
  podman: /^initializing source docker:\/\/.*: manifest unknown: manifest unknown\n$/,
}

for (const engine of enginesUnderTest()) {
  // Podman's compat API sends no `Pulling from`/`Digest:`/`Status:` lines and reports failures in the
  // stream: where that changes what a user sees, the test says what each engine gives.
  const podman = engine.kind === 'podman'

  describeEngine(engine, 'dkr image pull against the real engine', () => {
    before(removeAllImages)

    it('prints docker\'s plain lines when not on a terminal, and the image is there afterwards', async () => {
      const ref = `${stack.registry}/demo/app:1.0`
      const theirs = await docker(['pull', ref])
      await removeAllImages()
      const ours = await dkr(['image', 'pull', ref])
      assert.equal(ours.code, 0, ours.stderr)
      assert.equal(ours.stderr, '')
      assert.deepEqual(shape(ours.stdout), shape(theirs.stdout))
      assert.deepEqual(layerLines(ours.stdout), layerLines(theirs.stdout))
      assert.ok(!ours.stdout.includes('\u001B'), 'no escape codes in a pipe')
      assert.ok(await imageExists(ref))
    })

    it('ends a second pull, via the pull alias, as docker does: up to date where the engine says so', async () => {
      const ref = `${stack.registry}/demo/app:1.0`
      const result = await dkr(['pull', ref])
      assert.equal(result.code, 0)
      assert.deepEqual(result.stdout.split('\n').slice(podman ? -2 : -3), [...(podman ? [] : [`Status: Image is up to date for ${ref}`]), ref, ''])
      assert.deepEqual(shape(result.stdout), shape((await docker(['pull', ref])).stdout))
    })

    it('prints only the normalised name with -q, exactly as docker does', async () => {
      const ref = `${stack.registry}/demo/small:1.0`
      await removeImages(ref)
      const ours = await dkr(['pull', '-q', ref])
      const theirs = await docker(['pull', '-q', ref])
      assert.equal(ours.code, 0)
      assert.equal(ours.stdout, `${ref}\n`)
      assert.equal(ours.stdout, theirs.stdout)
    })

    it('uses the default tag and says so', async () => {
      const result = await dkr(['pull', `${stack.registry}/demo/app`])
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stdout.split('\n')[0], 'Using default tag: latest')
      assert.equal(result.stdout.split('\n').at(-2), `${stack.registry}/demo/app:latest`)
    })

    if (podman) {
      it('refuses -a, which podman would turn into a pull of :latest alone, and pulls nothing', async () => {
        await removeAllImages()
        const result = await dkr(['pull', '-a', `${stack.registry}/demo/app`])
        assert.equal(result.code, 1)
        assert.equal(result.stdout, '')
        assert.equal(result.stderr, `podman's Docker-compatible API cannot pull all tags of ${stack.registry}/demo/app (it would pull only :latest)\nName the tags to pull, or use \`podman pull --all-tags\` on the engine host\n`)
        assert.equal(await imageExists(`${stack.registry}/demo/app:latest`), false)
      })
    } else {
      it('pulls every tag with -a and ends with the bare name', async () => {
        await removeAllImages()
        const repo = `${stack.registry}/demo/app`
        const result = await dkr(['pull', '-a', repo])
        assert.equal(result.code, 0, result.stderr)
        assert.ok(!result.stdout.includes('Using default tag'))
        assert.deepEqual(result.stdout.split('\n').filter((line) => line.includes('Pulling from')).sort(), ['1.0: Pulling from demo/app', '1.1: Pulling from demo/app', '2.0: Pulling from demo/app', 'latest: Pulling from demo/app'])
        assert.equal(result.stdout.split('\n').at(-2), repo)
        for (const tag of ['1.0', '1.1', '2.0', 'latest']) assert.ok(await imageExists(`${repo}:${tag}`), tag)
      })
    }

    it('pulls by digest, and keeps tag and digest in the final line', async () => {
      const ref = `${stack.registry}/demo/app:1.1`
      await docker(['pull', '-q', ref])
      const inspect = await docker(['image', 'inspect', '--format', '{{index .RepoDigests 0}}', ref])
      const digest = inspect.stdout.trim().split('@')[1]
      assert.match(digest, /^sha256:[0-9a-f]{64}$/)
      await removeAllImages()
      const byDigest = await dkr(['pull', `${stack.registry}/demo/app@${digest}`])
      assert.equal(byDigest.code, 0, byDigest.stderr)
      assert.equal(byDigest.stdout.split('\n').at(-2), `${stack.registry}/demo/app@${digest}`)
      const both = await dkr(['pull', '-q', `${stack.registry}/demo/app:1.1@${digest}`])
      assert.equal(both.stdout, `${stack.registry}/demo/app:1.1@${digest}\n`)
    })

    it('reports a missing tag and a missing repository as docker does', async () => {
      for (const ref of [`${stack.registry}/demo/app:nope`, `${stack.registry}/demo/nothing:1`]) {
        const ours = await dkr(['pull', ref])
        const theirs = await docker(['pull', ref])
        assert.equal(ours.code, 1)
        assert.equal(ours.stderr, theirs.stderr)
        assert.match(ours.stderr, missingImage[engine.kind])
      }
    })

    it('reports a registry that is not running as docker does', async () => {
      const ours = await dkr(['pull', '127.0.0.1:1/demo/app:1.0'])
      const theirs = await docker(['pull', '127.0.0.1:1/demo/app:1.0'])
      assert.equal(ours.code, 1)
      assert.equal(ours.stderr, theirs.stderr)
      // dockerd 20.10 and podman ping /v2/ first; the containerd store asks for the manifest at once.
      const request = engine.kind === 'containerd-store' ? /Head "https:\/\/127\.0\.0\.1:1\/v2\/demo\/app\/manifests\/1\.0"/ : /Get "https?:\/\/127\.0\.0\.1:1\/v2\/"/
      assert.match(ours.stderr, new RegExp(`${request.source}: dial tcp 127\\.0\\.0\\.1:1: connect: connection refused\n$`))
    })

    it('is refused by a private registry without credentials and pulls with config.json credentials', async () => {
      const ref = `${stack.privateRegistry}/private/app:1.0`
      const anonymous = await dkr(['pull', ref])
      assert.equal(anonymous.code, 1)
      assert.match(anonymous.stderr, engine.refusedPull)
      assert.match(anonymous.stderr, new RegExp(`Run 'dkr login ${stack.privateRegistry}' to log in, then pull again\n$`))

      const configDir = tempConfigDir()
      const auth = Buffer.from(`${stack.privateUser}:${stack.privatePassword}`).toString('base64')
      writeFileSync(join(configDir, 'config.json'), JSON.stringify({auths: {[stack.privateRegistry]: {auth}}}))
      const result = await dkr(['pull', '-q', ref], {env: baseEnv({DOCKER_CONFIG: configDir})})
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stdout, `${ref}\n`)
      assert.ok(!result.stderr.includes(stack.privatePassword))
    })

    it('accepts global flags before the command, as docker does', async () => {
      const env = baseEnv({DOCKER_HOST: 'unix:///nonexistent/docker.sock'})
      const result = await dkr(['-H', stack.dockerHost, 'pull', '-q', `${stack.registry}/demo/app:1.0`], {env})
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stdout, `${stack.registry}/demo/app:1.0\n`)
    })

    it('passes --platform to the engine, which answers a bogus one as it answers docker', async () => {
      const result = await dkr(['pull', '--platform', 'linux/amd64', '-q', `${stack.registry}/demo/app:1.0`])
      assert.equal(result.code, 0, result.stderr)
      const bogus = await dkr(['pull', '--platform', 'bogus', '-q', `${stack.registry}/demo/app:1.0`])
      const theirs = await docker(['pull', '--platform', 'bogus', '-q', `${stack.registry}/demo/app:1.0`])
      assert.deepEqual({code: bogus.code, stderr: bogus.stderr}, {code: theirs.code, stderr: theirs.stderr})
      // dockerd refuses it; podman ignores it.
      if (!podman) assert.match(bogus.stderr, /^Error response from daemon: .*bogus.*\n$/)
    })

    it('picks an entry of a multi-platform index with --platform; a platform it lacks fails as docker says', async () => {
      const ref = `${stack.registry}/demo/multi:1.0`
      // Its amd64 entry is demo/app:1.0: with that image present, the containerd store would show amd64.
      await removeAllImages()
      const arm = await dkr(['pull', '-q', '--platform', 'linux/arm64', ref])
      assert.equal(arm.code, 0, arm.stderr)
      assert.equal((await docker(['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', ref])).stdout, 'linux/arm64\n')
      const [ours, theirs] = [await dkr(['pull', '--platform', 'linux/s390x', ref]), await docker(['pull', '--platform', 'linux/s390x', ref])]
      assert.deepEqual({code: ours.code, stderr: ours.stderr, stdout: ours.stdout}, {code: 1, stderr: theirs.stderr, stdout: theirs.stdout})
      // The Docker engines refuse before pulling (28 as an HTTP error, 20.10 in the stream); podman while choosing.
      assert.match(ours.stderr, {
        'containerd-store': /^Error response from daemon: no matching manifest for linux\/s390x in the manifest list entries: no match for platform in manifest: not found\n$/,
        dockerd: /^no matching manifest for linux\/s390x in the manifest list entries\n$/,
        podman: /^choosing an image from manifest list docker:\/\/.*: no image found in image index for architecture s390x, variant "", OS linux\n$/,
      }[engine.kind])
      await removeImages(ref)
    })

    it('pulls several names at once; one failure fails the command and is named', async () => {
      await removeAllImages()
      const good = [`${stack.registry}/demo/small:1.0`, `${stack.registry}/demo/mid:1.0`]
      const bad = `${stack.registry}/demo/nothing:1`
      const result = await dkr(['pull', good[0], bad, good[1]])
      assert.equal(result.code, 1)
      assert.ok(result.stdout.includes(`${good[0]}\n`) && result.stdout.includes(`${good[1]}\n`))
      const [first] = result.stderr.split('\n')
      assert.ok(first.startsWith(`${bad}: `), first)
      assert.match(`${first.slice(bad.length + 2)}\n`, missingImage[engine.kind])
      assert.ok(result.stderr.endsWith('1 of 3 pulls failed\n'))
      for (const ref of good) assert.ok(await imageExists(ref), ref)
    })

    it('prints one JSON result with --json', async () => {
      await removeImages(`${stack.registry}/demo/small:1.0`)
      const result = await dkr(['pull', '--json', `${stack.registry}/demo/small:1.0`, `${stack.registry}/demo/mid:1.0`])
      assert.equal(result.code, 0, result.stderr)
      const parsed = JSON.parse(result.stdout) as {images: {reference: string; status: string; digest?: string; bytes: number; unsizedLayers?: number}[]}
      // Podman says neither whether the image was new nor its digest, and reports progress about once a second.
      assert.deepEqual(parsed.images.map((i) => [i.reference, i.status]), [[`${stack.registry}/demo/small:1.0`, podman ? 'pulled' : 'downloaded'], [`${stack.registry}/demo/mid:1.0`, podman ? 'pulled' : 'up to date']])
      if (podman) {
        assert.equal(parsed.images[0].digest, undefined)
      } else if (engine.kind === 'containerd-store') {
        // A blob that arrives before its first progress report never says its size: it is counted apart.
        const [small] = parsed.images
        assert.match(small.digest!, /^sha256:/)
        assert.ok(small.bytes > 1_000_000 || (small.unsizedLayers ?? 0) > 0, JSON.stringify(small))
      } else {
        assert.match(parsed.images[0].digest!, /^sha256:/)
        assert.ok(parsed.images[0].bytes > 1_000_000)
        assert.equal(parsed.images[0].unsizedLayers, undefined)
      }
    })

    it('stops on Ctrl-C mid-pull: exit 130, nothing printed, the engine cancels', async () => {
      const ref = `${stack.slowRegistry}/demo/large:1.0`
      await removeAllImages()
      let sent = false
      const result = await dkr(['pull', ref], {
        onStdout(text, child) {
          if (!sent && text.includes('Pulling fs layer')) {
            sent = true
            setTimeout(() => child.kill('SIGINT'), 300)
          }
        },
      })
      assert.ok(sent)
      assert.equal(result.code, 130)
      assert.equal(result.stderr, '')
      await new Promise((resolve) => setTimeout(resolve, 1500))
      assert.equal(await imageExists(ref), false)
    })

    it('ends quietly when its reader goes away (| head -1)', async () => {
      await removeAllImages()
      const result = await run('sh', ['-c', `"${process.execPath}" "${dkrBin}" pull ${stack.registry}/demo/mid:1.0 | head -1`])
      assert.equal(result.code, 0)
      assert.match(result.stdout, podman ? /^[0-9a-f]{12}: (Pulling fs layer|Already exists)\n$/ : /^1\.0: Pulling from demo\/mid\n$/)
      assert.equal(result.stderr, '')
    })
  })
}
