import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {dkr, projectRoot, run} from '../helpers/run.js'

describe('dkr as a command', () => {
  it('prints help with the image topic and the pull alias', async () => {
    const result = await dkr(['--help'])
    assert.equal(result.code, 0)
    assert.match(result.stdout, /TOPICS\n {2}config +Manage dkr's own preferences\n {2}context +Manage contexts\n {2}image +Manage images/)
    assert.match(result.stdout, /pull\s+Download an image from a registry/)
  })

  it('prints its version', async () => {
    const result = await dkr(['--version'])
    assert.equal(result.code, 0)
    // The Node dkr runs on: the one `npm test` put first on PATH (scripts/node-runtime), never older than 24 here.
    assert.equal(result.stdout, `dkr/0.1.0 linux-x64 node-${process.version}\n`)
    assert.ok(Number(process.versions.node.split('.')[0]) >= 24, process.version)
  })

  it('documents image pull with its flags, examples and global flags', async () => {
    const result = await dkr(['image', 'pull', '--help'])
    assert.equal(result.code, 0)
    for (const text of ['-a, --all-tags', '-q, --quiet', '--platform', '--disable-content-trust', '-H, --host', 'EXAMPLES', 'ALIASES']) assert.ok(result.stdout.includes(text), text)
  })

  it('suggests the closest command for an unknown one', async () => {
    const result = await dkr(['pul'])
    assert.equal(result.code, 1)
    assert.equal(result.stderr, "dkr: unknown command: dkr pul\nDid you mean 'dkr pull'?\n\nRun 'dkr --help' for more information\n")
  })

  it('reports an unknown flag as docker does, exit 125', async () => {
    const result = await dkr(['image', 'pull', '-x', 'nginx'])
    assert.equal(result.code, 125)
    assert.equal(result.stderr, "unknown shorthand flag: 'x' in -x\n\nUsage:  dkr image pull [OPTIONS] NAME[:TAG|@DIGEST] [NAME...]\n\nRun 'dkr image pull --help' for more information\n")
    assert.equal((await dkr(['pull', '--bogus', 'nginx'])).stderr.split('\n')[0], 'unknown flag: --bogus')
  })

  it('reports a missing flag value (exit 125) and a wrong argument count (exit 1) as docker does', async () => {
    const missing = await dkr(['image', 'pull'])
    assert.equal(missing.code, 1)
    assert.equal(missing.stderr.split('\n')[0], "dkr: 'dkr image pull' requires at least 1 argument")
    const noValue = await dkr(['pull', '--platform'])
    assert.equal(noValue.code, 125)
    assert.equal(noValue.stderr.split('\n')[0], 'flag needs an argument: --platform')
    const extra = await dkr(['login', 'a', 'b'])
    assert.equal(extra.code, 1)
    assert.equal(extra.stderr.split('\n')[0], "dkr: 'dkr login' requires at most 1 argument")
  })

  it("keeps docs/commands.md's command reference in step with the commands", async () => {
    const result = await run(process.execPath, ['scripts/commands-doc.js', '--check'], {env: {...process.env, PWD: projectRoot}})
    assert.equal(result.code, 0, result.stderr)
  })

  it('keeps oclif.manifest.json in step with the commands', async () => {
    const result = await run(process.execPath, ['scripts/manifest.js', '--check'], {env: {...process.env, PWD: projectRoot}})
    assert.equal(result.code, 0, result.stderr)
  })
})
