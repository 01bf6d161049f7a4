// scripts/standalone: a dkr directory with its own Node binary, run from outside the repo by a shell
// whose PATH has no node, pulling from the stack.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {projectRoot, run, tempConfigDir} from '../helpers/run.js'
import {stack} from '../helpers/stack.js'

describe('the standalone dkr (scripts/standalone)', {timeout: 600_000}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dkr-standalone-'))
  const out = join(dir, 'dkr-standalone')
  const away = join(dir, 'elsewhere')
  // The launcher needs readlink and dirname; nothing else is on PATH, and no node.
  const bin = join(dir, 'bin')

  before(async () => {
    const built = await run(join(projectRoot, 'scripts', 'standalone'), [out], {env: {...process.env, npm_config_prefer_offline: 'true'}, timeoutMs: 540_000})
    assert.equal(built.code, 0, built.stderr)
    assert.equal(built.stdout, `${join(out, 'dkr')}\n`)
    mkdirSync(away)
    mkdirSync(bin)
    for (const tool of ['readlink', 'dirname']) symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], {encoding: 'utf8'}).trim(), join(bin, tool))
  })

  after(() => rmSync(dir, {force: true, recursive: true}))

  it('pulls from the engine with no node on PATH, from another directory', async () => {
    const env = {DOCKER_CONFIG: tempConfigDir(), DOCKER_HOST: stack.dockerHost, HOME: dir, NO_COLOR: '1', PATH: bin}
    assert.notEqual((await run('/bin/sh', ['-c', 'command -v node'], {cwd: away, env})).code, 0, 'node is not on PATH')
    const ref = `${stack.registry}/demo/small:1.0`
    const pulled = await run('/bin/sh', ['-c', `${join(out, 'dkr')} pull -q ${ref}`], {cwd: away, env})
    assert.deepEqual([pulled.code, pulled.stdout, pulled.stderr], [0, `${ref}\n`, ''])
    const unknown = await run(join(out, 'dkr'), ['pul'], {cwd: away, env})
    assert.deepEqual([unknown.code, unknown.stderr.split('\n')[1]], [1, "Did you mean 'dkr pull'?"])
  })
})
