// The stack's modern tools (scripts/sid-tools): Debian sid's Docker Engine, containerd, cosign, notation and
// crane, fetched once with a private apt configuration and then served from the cache.
import assert from 'node:assert/strict'
import {accessSync, constants, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {projectRoot, run} from '../helpers/run.js'

const sidTools = join(projectRoot, 'scripts', 'sid-tools')

describe('scripts/sid-tools', () => {
  it('answers from its cache at once once the stack has fetched, with every binary the stack runs', async () => {
    const started = Date.now()
    const result = await run(sidTools, [], {env: process.env})
    assert.equal(result.code, 0, result.stderr)
    assert.ok(Date.now() - started < 2000, 'no second fetch')
    const dirs = result.stdout.trim().split(':')
    for (const binary of ['dockerd', 'containerd', 'containerd-shim-runc-v2', 'cosign', 'notation', 'crane']) {
      assert.ok(dirs.some((dir) => {
        try {
          accessSync(join(dir, binary), constants.X_OK)
          return true
        } catch {
          return false
        }
      }), binary)
    }
  })

  it('fails with one line naming the mirror and its log when Debian cannot be reached', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'dkr-sid-'))
    const result = await run(sidTools, [], {env: {...process.env, DKR_SID_MIRROR: 'http://127.0.0.1:1/debian', DKR_TOOLS_CACHE: cache}})
    assert.equal(result.code, 1)
    assert.equal(result.stdout, '')
    assert.equal(result.stderr, `sid-tools: could not read Debian sid's package lists from http://127.0.0.1:1/debian (apt's words: ${cache}/fetch.log)\n`)
  })
})
