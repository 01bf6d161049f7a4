// scripts/demo as a user meets it: dkr's own output comes first, the setup's output (npm, apt, the stack)
// goes to a log file the demo names, and is printed only when a step fails; the pulls go to Docker
// Engine 28 (what users run), and the closing hints name the engines.
import assert from 'node:assert/strict'
import {chmodSync, existsSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {baseEnv, docker, projectRoot, run} from '../helpers/run.js'
import {stack} from '../helpers/stack.js'

const demo = join(projectRoot, 'scripts', 'demo')
const log = `${stack.dir}.setup.log`

describe('scripts/demo', {timeout: 300_000}, () => {
  it('names its setup log, shows one timed line per setup step, then dkr pulling through Docker Engine 28', async () => {
    // The stack of this test run is up, so the demo reuses it ("up" is harmless when already up).
    const result = await run(demo, [], {env: baseEnv({DKR_STACK_DIR: stack.dir}), timeoutMs: 280_000})
    assert.equal(result.code, 0, result.stdout + result.stderr)
    const lines = result.stdout.split('\n')
    assert.equal(lines[0], `Setting up (npm's, apt's and the stack's output goes to ${log}):`)
    assert.match(lines[1], /^ {2}installing npm packages \(first run only\) and building dkr … done in \d+ s$/)
    assert.match(lines[2], /^ {2}installing what the engine stack needs \(first run only\) and starting it in .* … done in \d+ s$/)
    assert.equal(lines[3], '')
    assert.equal(lines[4], `$ dkr image pull ${stack.slowRegistry}/demo/app:2.0`)
    assert.equal(lines[5], '2.0: Pulling from demo/app')
    assert.ok(existsSync(log))
    assert.doesNotMatch(result.stdout, /npm (warn|error)|engine-stack:|added \d+ packages/)
    assert.match(result.stdout, /Docker Engine 28\.5/)
    assert.match(result.stdout, /dockerd 20\.10/)
    assert.match(result.stdout, /podman/)
    // The images are on the modern engine (the demo emptied it first).
    const modern = baseEnv({DOCKER_HOST: process.env.DKR_MODERN_HOST})
    for (const name of ['app:2.0', 'many:1.0', 'mid:1.0', 'app:1.0']) {
      assert.equal((await docker(['image', 'inspect', `${stack.slowRegistry}/demo/${name}`], {env: modern})).code, 0, name)
    }
  })

  it('prints the whole log and fails when a setup step fails', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'dkr-demo-bin-'))
    writeFileSync(join(bin, 'npm'), '#!/bin/sh\necho "npm noise on stdout"\necho "npm ERR! the build broke" >&2\nexit 1\n')
    chmodSync(join(bin, 'npm'), 0o755)
    const result = await run(demo, [], {env: baseEnv({DKR_STACK_DIR: stack.dir, PATH: `${bin}:${process.env.PATH}`})})
    assert.equal(result.code, 1)
    assert.equal(result.stdout, [
      `Setting up (npm's, apt's and the stack's output goes to ${log}):`,
      `  installing npm packages (first run only) and building dkr … failed. The whole log (${log}):`,
      '',
      'npm noise on stdout',
      'npm ERR! the build broke',
      '',
    ].join('\n'))
  })
})
