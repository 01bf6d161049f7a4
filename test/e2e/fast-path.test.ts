// dkr's fast start (src/main.ts: for its own commands, an oclif Config with dkr's plugin alone, built
// from the shipped manifest) against plain oclif (DKR_PLAIN_OCLIF=1: Config.load discovers the plugins as
// usual): the same command classes run either way, so every argv must give the same stdout, stderr and
// exit status, for help, aliases, bad flags, global flags before and after the command, --json and --.
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {baseEnv, dkr} from '../helpers/run.js'
import {stack} from '../helpers/stack.js'

const down = 'unix:///nonexistent/docker.sock'

function corpus(): string[][] {
  const present = `${stack.registry}/demo/small:1.0`
  return [
    [],
    ['--help'],
    ['-h'],
    ['help'],
    ['help', 'pull'],
    ['help', 'image', 'pull'],
    ['pull', '--help'],
    ['pull', '-h'],
    ['image', 'pull', '--help'],
    ['login', '--help'],
    ['config', 'set', '--help'],
    ['autocomplete', '--help'],
    ['image'],
    ['image', '--help'],
    ['config'],
    ['context'],
    ['pul'],
    ['imgae', 'pull', 'x'],
    ['pull'],
    ['pull', '--bogus', 'x'],
    ['pull', '-x', 'x'],
    ['image', 'pull', '--platform'],
    ['pull', '--parallel', 'many', 'x'],
    ['pull', 'UPPER/case'],
    ['pull', '-q', present],
    ['image', 'pull', '-q', present],
    ['pull', '--json', present],
    ['pull', '-q', '--', present],
    ['pull', '--', '--bogus'],
    ['-H', down, 'pull', 'x'],
    ['pull', 'x', '-H', down],
    ['--host=' + down, '-D', 'pull', 'x'],
    ['-H', down, '--context', 'default', 'pull', 'x'],
    ['-l', 'loud', 'pull', 'x'],
    ['--debug', 'config', 'list'],
    ['config', 'list', '--format', 'json'],
    ['config', 'get', 'color'],
    ['config', 'get', 'nope'],
    ['config', 'set', 'color', 'rainbow'],
    ['config', 'path'],
    ['context', 'ls'],
    ['context', 'ls', '--format', 'json'],
    ['context', 'use', 'nope'],
    ['version', '--format', '{{.Client'],
    ['version', '--format', '{{.Server.Os}}'],
    ['-H', down, 'version'],
    ['login', '-u'],
    ['login', '--password-stdin'],
    ['logout', '--bogus'],
    ['--version'],
    ['-v'],
  ]
}

/** --json carries how long the pull took: the one field that differs from run to run. */
const normalise = (text: string) => text.replaceAll(/"duration(Ms)?":\s*\d+/g, '"duration":N')

describe('the fast start and plain oclif give the same output for every argv', {timeout: 300_000}, () => {
  it('stdout, stderr and exit status match over the corpus', async () => {
    const mismatches: string[] = []
    for (const argv of corpus()) {
      // One environment for both runs: the same config dirs, so paths in the output match.
      const home = mkdtempSync(join(tmpdir(), 'dkr-fast-path-'))
      const env = baseEnv({XDG_CACHE_HOME: join(home, 'cache'), XDG_CONFIG_HOME: join(home, 'config')})
      const fast = await dkr(argv, {env})
      const plain = await dkr(argv, {env: {...env, DKR_PLAIN_OCLIF: '1'}})
      const [a, b] = [fast, plain].map((result) => ({code: result.code, stderr: normalise(result.stderr), stdout: normalise(result.stdout)}))
      try {
        assert.deepEqual(a, b)
      } catch {
        mismatches.push(`dkr ${argv.join(' ')}\n  fast:  ${JSON.stringify(a)}\n  plain: ${JSON.stringify(b)}`)
      }
    }

    assert.deepEqual(mismatches, [])
  })

  it('dkr\'s own commands start without discovering plugins; help, completion and unknown names discover them', async () => {
    // oclif's debug log says when Config.load discovers the plugins.
    const discovers = async (argv: string[]) => /loading plugins/.test((await dkr(argv, {env: baseEnv({DEBUG: 'oclif:config'})})).stderr)
    for (const argv of [['pull', '--help'], ['pull', '--bogus', 'x'], ['image', 'pull', '-q', '-H', down, 'x'], ['config', 'path']]) assert.equal(await discovers(argv), false, argv.join(' '))
    for (const argv of [['--help'], ['help', 'pull'], ['autocomplete', '--help'], ['pul'], ['image']]) assert.equal(await discovers(argv), true, argv.join(' '))
  })
})
