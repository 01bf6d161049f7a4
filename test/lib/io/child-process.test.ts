import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {runChild} from '../../../src/lib/io/child-process.js'
import {isCancelled} from '../../../src/lib/errors.js'
import {processGroup, writeForkingProgram} from '../../helpers/processes.js'

const dir = mkdtempSync(join(tmpdir(), 'dkr-child-'))
after(() => rmSync(dir, {force: true, recursive: true}))

const settle = () => new Promise((resolve) => setTimeout(resolve, 200))

describe('runChild', () => {
  it('a program that forks a sleep and hangs: answered at the timeout, the whole group killed', async () => {
    const path = join(dir, 'hangs')
    const group = writeForkingProgram(path)
    const started = Date.now()
    const outcome = await runChild(path, [], {env: process.env, input: '', stderr: 'ignore', timeoutMs: 500})
    assert.equal(outcome.kind, 'timed out')
    assert.ok(Date.now() - started < 1500, `${Date.now() - started} ms`)
    await settle()
    assert.deepEqual(processGroup(group()), [], 'the sh and its sleep are gone')
  })

  it('Ctrl-C while it hangs: the cancellation at once, the whole group killed', async () => {
    const path = join(dir, 'interrupted')
    const group = writeForkingProgram(path)
    const controller = new AbortController()
    setTimeout(() => controller.abort('SIGINT'), 300)
    const started = Date.now()
    await assert.rejects(runChild(path, [], {env: process.env, input: '', signal: controller.signal, stderr: 'ignore', timeoutMs: 60_000}), isCancelled)
    assert.ok(Date.now() - started < 1000, `${Date.now() - started} ms`)
    await settle()
    assert.deepEqual(processGroup(group()), [])
  })

  it('a program that answers and exits leaving a child behind: its answer, and the child killed', async () => {
    const path = join(dir, 'answers')
    const group = writeForkingProgram(path, '/bin/sleep 300 &\necho \'{"ok":true}\'\nexit 0\n')
    const outcome = await runChild(path, [], {env: process.env, input: 'x', stderr: 'ignore', timeoutMs: 5000})
    assert.deepEqual(outcome, {code: 0, kind: 'exited', signal: null, stdout: '{"ok":true}\n'})
    await settle()
    assert.deepEqual(processGroup(group()), [])
  })

  it('a missing program fails with ENOENT', async () => {
    const outcome = await runChild(join(dir, 'nosuch'), [], {env: process.env, input: '', stderr: 'ignore', timeoutMs: 5000})
    assert.equal(outcome.kind, 'failed')
    assert.equal(outcome.kind === 'failed' && outcome.error.code, 'ENOENT')
  })

  it('a program that writes without end is stopped past 1 MiB, not buffered until its timeout', async () => {
    // A credential helper is a peer too: `yes` answers gigabytes within the 15 s helper timeout.
    const started = Date.now()
    const outcome = await runChild('yes', [], {env: process.env, input: '', stderr: 'ignore', timeoutMs: 15_000})
    assert.equal(outcome.kind, 'failed')
    assert.equal(outcome.kind === 'failed' && outcome.error.message, 'yes wrote more than 1 MiB')
    assert.equal(outcome.stdout.length, 80)
    assert.ok(Date.now() - started < 5000)
  })
})
