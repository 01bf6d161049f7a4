// dkr on the oldest Node its package.json accepts (the suite itself runs on Node 24): a smoke test of
// start-up, help and one real pull, so `engines` is a promise that is kept, not a guess.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
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
