// dkr's fast start (src/main.ts: for its own commands, an oclif Config with dkr's plugin alone, built
// from the shipped manifest; plain oclif with DKR_PLAIN_OCLIF=1): which runs discover the plugins. That
// both give the same output for every argv of the corpus is test/e2e/standalone.test.ts's differential,
// which runs the standalone executable beside them.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {baseEnv, dkr} from '../helpers/run.js'
import {down} from '../helpers/argv-corpus.js'

describe('the fast start', {timeout: 300_000}, () => {
  it('dkr\'s own commands start without discovering plugins; help, completion and unknown names discover them', async () => {
    // oclif's debug log says when Config.load discovers the plugins.
    const discovers = async (argv: string[]) => /loading plugins/.test((await dkr(argv, {env: baseEnv({DEBUG: 'oclif:config'})})).stderr)
    for (const argv of [['pull', '--help'], ['pull', '--bogus', 'x'], ['image', 'pull', '-q', '-H', down, 'x'], ['config', 'path']]) assert.equal(await discovers(argv), false, argv.join(' '))
    for (const argv of [['--help'], ['help', 'pull'], ['autocomplete', '--help'], ['pul'], ['image']]) assert.equal(await discovers(argv), true, argv.join(' '))
  })
})
