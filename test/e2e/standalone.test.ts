// scripts/standalone: dkr as one executable with Node inside, run from outside the repo by a shell whose
// PATH has no node, pulling from the stack. And the differential of every way dkr starts: bin/run.js with
// its fast start, plain oclif (DKR_PLAIN_OCLIF=1) and the executable must give the same stdout, stderr
// and exit status for every argv of the corpus (help, aliases, bad flags, global flags before and after
// the command, --json, --): the same command classes run in all three.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {differences} from '../helpers/argv-corpus.js'
import {baseEnv, dkr, projectRoot, run, tempConfigDir} from '../helpers/run.js'
import {stack} from '../helpers/stack.js'

describe('the standalone dkr (scripts/standalone)', {timeout: 300_000}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dkr-standalone-'))
  const executable = join(dir, 'dkr')
  const away = join(dir, 'elsewhere')
  // Only sh is on PATH: no node.
  const bin = join(dir, 'bin')

  before(async () => {
    const built = await run(join(projectRoot, 'scripts', 'standalone'), [executable], {cwd: tmpdir(), timeoutMs: 120_000})
    assert.deepEqual([built.code, built.stdout, built.stderr], [0, `${executable}\n`, ''])
    mkdirSync(away)
    mkdirSync(bin)
    symlinkSync(execFileSync('sh', ['-c', 'command -v sh'], {encoding: 'utf8'}).trim(), join(bin, 'sh'))
  })

  after(() => rmSync(dir, {force: true, recursive: true}))

  it('is one file that pulls from the engine with no node on PATH, from another directory', async () => {
    assert.ok(statSync(executable).isFile())
    const env = {DOCKER_CONFIG: tempConfigDir(), DOCKER_HOST: stack.dockerHost, HOME: dir, NO_COLOR: '1', PATH: bin}
    assert.notEqual((await run(join(bin, 'sh'), ['-c', 'command -v node'], {cwd: away, env})).code, 0, 'node is not on PATH')
    const ref = `${stack.registry}/demo/small:1.0`
    const pulled = await run(join(bin, 'sh'), ['-c', `dkr pull -q ${ref}`], {cwd: away, env: {...env, PATH: `${dir}:${bin}`}})
    assert.deepEqual([pulled.code, pulled.stdout, pulled.stderr], [0, `${ref}\n`, ''])
    // The Node inside is the one the suite runs on (scripts/node-runtime's Node 24 here).
    const version = await run(join(bin, 'sh'), ['-c', 'dkr --version'], {cwd: away, env: {...env, PATH: `${dir}:${bin}`}})
    assert.deepEqual([version.code, version.stdout], [0, `dkr/0.1.0 linux-x64 node-${process.version}\n`])
    const unknown = await run(executable, ['pul'], {cwd: away, env})
    assert.deepEqual([unknown.code, unknown.stderr.split('\n')[1]], [1, "Did you mean 'dkr pull'?"])
  })

  it('a pull runs only the bundle bin/run.js runs; the plugins, chalk, conf and ora come from the second when asked for', async () => {
    // Each bundle the executable compiles leaves its V8 code cache: one file per bundle.
    const cache = mkdtempSync(join(dir, 'cache-'))
    const caches = () => readdirSync(join(cache, 'dkr', 'code-cache')).length
    const env = baseEnv({XDG_CACHE_HOME: cache})
    const pulled = await run(executable, ['pull', '-q', `${stack.registry}/demo/small:1.0`], {env})
    assert.equal(pulled.code, 0, pulled.stderr)
    assert.equal(caches(), 1)
    const help = await run(executable, ['help', 'pull'], {env})
    assert.deepEqual([help.code, help.stdout.split('\n')[0]], [0, 'Download an image from a registry'])
    assert.equal(caches(), 2)
  })

  it('bin/run.js, plain oclif and the executable give the same stdout, stderr and exit status over the corpus', async () => {
    const mismatches = await differences({
      'bin/run.js': (argv, env) => dkr(argv, {env}),
      'plain oclif': (argv, env) => dkr(argv, {env: {...env, DKR_PLAIN_OCLIF: '1'}}),
      standalone: (argv, env) => run(executable, argv, {env}),
    })
    assert.deepEqual(mismatches, [])
  })
})
