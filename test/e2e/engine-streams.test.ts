// Engines that do not talk like dockerd 20.10: podman's compat API sends no `Pulling from`, `Digest:` or
// `Status:` lines and reports failures in the stream with HTTP 200. dkr's final line, errors and exit
// codes must not depend on those lines.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {FakeEngine, streamAnswer} from '../helpers/fake-engine.js'
import {baseEnv, dkr} from '../helpers/run.js'

const lines = (...messages: object[]) => messages.map((m) => `${JSON.stringify(m)}\n`).join('')

describe('a podman-shaped pull stream', () => {
  let stream = ''
  const engine = new FakeEngine(streamAnswer(() => stream))
  before(() => engine.start())
  after(() => engine.stop())
  const env = () => baseEnv({DOCKER_HOST: engine.host})

  it('without Pulling from / Digest / Status lines, still ends with the reference, exit 0', async () => {
    stream = lines({id: 'a1b2c3d4e5f6', progressDetail: {}, status: 'Copying blob'}, {id: 'a1b2c3d4e5f6', progressDetail: {current: 10, total: 10}, status: 'Copying blob'}, {id: 'f1e2d3c4b5a6', status: 'Writing manifest to image destination'}, {status: 'Storing signatures'})
    const plain = await dkr(['pull', 'x.example/demo/app:1.0'], {env: env()})
    assert.equal(plain.code, 0, plain.stderr)
    assert.equal(plain.stdout.split('\n').at(-2), 'x.example/demo/app:1.0')
    const quiet = await dkr(['pull', '-q', 'x.example/demo/app:1.0'], {env: env()})
    assert.equal(quiet.stdout, 'x.example/demo/app:1.0\n')
    const json = JSON.parse((await dkr(['pull', '--json', 'x.example/demo/app:1.0'], {env: env()})).stdout) as {images: {status: string}[]}
    // Without a `Status:` line nothing says whether the image was new.
    assert.equal(json.images[0].status, 'pulled')
  })

  it('an in-stream failure with HTTP 200 (podman reports nearly everything so) fails with its message, exit 1', async () => {
    const message = 'writing blob: storing blob to file "/var/tmp/storage/1": happened during read: unexpected EOF'
    stream = lines({id: 'a1b2c3d4e5f6', progressDetail: {}, status: 'Copying blob'}, {error: message, errorDetail: {message}, progressDetail: {}})
    const result = await dkr(['pull', 'x.example/demo/app:1.0'], {env: env()})
    assert.equal(result.code, 1)
    assert.equal(result.stderr, `${message}\n`)
    assert.ok(!result.stdout.includes('x.example/demo/app:1.0\n'), 'no final name line after a failure')
  })
})
