// dkr's fast start (src/main.ts: for its own commands, an oclif Config with dkr's plugin alone, built
// from the shipped manifest) against plain oclif (DKR_PLAIN_OCLIF=1: Config.load discovers the plugins as
// usual): the same command classes run either way, so every argv must give the same stdout, stderr and
// exit status, for help, aliases, bad flags, global flags before and after the command, --json and --.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {baseEnv, dkr} from '../helpers/run.js'
import {differences, down} from '../helpers/argv-corpus.js'

describe('the fast start and plain oclif give the same output for every argv', {timeout: 300_000}, () => {
  it('stdout, stderr and exit status match over the corpus', async () => {
    const mismatches = await differences({
      fast: (argv, env) => dkr(argv, {env}),
      plain: (argv, env) => dkr(argv, {env: {...env, DKR_PLAIN_OCLIF: '1'}}),
    })
    assert.deepEqual(mismatches, [])
  })

  it('dkr\'s own commands start without discovering plugins; help, completion and unknown names discover them', async () => {
    // oclif's debug log says when Config.load discovers the plugins.
    const discovers = async (argv: string[]) => /loading plugins/.test((await dkr(argv, {env: baseEnv({DEBUG: 'oclif:config'})})).stderr)
    for (const argv of [['pull', '--help'], ['pull', '--bogus', 'x'], ['image', 'pull', '-q', '-H', down, 'x'], ['config', 'path']]) assert.equal(await discovers(argv), false, argv.join(' '))
    for (const argv of [['--help'], ['help', 'pull'], ['autocomplete', '--help'], ['pul'], ['image']]) assert.equal(await discovers(argv), true, argv.join(' '))
  })
})
