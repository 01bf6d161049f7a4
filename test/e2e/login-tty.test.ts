// Logins that ask: in a real pseudo-terminal, as a person would meet them.
import assert from 'node:assert/strict'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {helperPath} from '../helpers/credentials.js'
import {runInPty} from '../helpers/pty.js'
import {baseEnv, dkrBin, tempConfigDir} from '../helpers/run.js'
import {screenOf, visibleText} from '../helpers/screen.js'
import {removeImages, stack} from '../helpers/stack.js'

const privateImage = () => `${stack.privateRegistry}/private/app:1.0`

function ttyEnv() {
  const configDir = tempConfigDir()
  return {configDir, env: baseEnv({DOCKER_CONFIG: configDir, PATH: helperPath().path, TERM: 'xterm-256color'})}
}

/** Answers each prompt once as it appears on the terminal. */
function answering(answers: [prompt: string, answer: string][]) {
  const pending = [...answers]
  return (all: string, term: {write(data: string): void}) => {
    const next = pending[0]
    // readline positions the cursor after the prompt with escape sequences: compare the visible text.
    const visible = visibleText(all).trimEnd()
    if (next && visible.endsWith(next[0].trimEnd())) {
      pending.shift()
      term.write(next[1])
    }
  }
}

describe('interactive login on a terminal', () => {
  before(() => removeImages(privateImage()))
  after(() => removeImages(privateImage()))

  it('a refused pull asks to log in to that registry, stores the login and pulls again', async () => {
    const {configDir, env} = ttyEnv()
    const run = await runInPty(process.execPath, [dkrBin, 'pull', privateImage()], {
      columns: 120,
      env,
      onData: answering([['Username: ', `${stack.privateUser}\r`], ['Password: ', `${stack.privatePassword}\r`]]),
      rows: 30,
    })
    assert.equal(run.exitCode, 0, run.bytes)
    const screen = await screenOf(run.bytes, 120, 30)
    assert.ok(screen.includes('Login prior to pull:'), screen.join('\n'))
    assert.ok(screen.includes('Login Succeeded'))
    assert.equal(screen.at(-1), privateImage())
    assert.ok(!run.bytes.includes(stack.privatePassword), 'the password is not echoed')
    assert.ok(!run.bytes.includes('Docker Hub'), 'it asks for the refusing registry, not Docker Hub')
    const stored = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as {auths: Record<string, unknown>}
    assert.deepEqual(Object.keys(stored.auths), [stack.privateRegistry])
  })

  it('dkr login asks for username and a hidden password; a wrong one stores nothing', async () => {
    const {configDir, env} = ttyEnv()
    const run = await runInPty(process.execPath, [dkrBin, 'login', stack.privateRegistry], {
      columns: 100,
      env,
      onData: answering([['Username: ', `${stack.privateUser}\r`], ['Password: ', 'wrong\r']]),
      rows: 20,
    })
    assert.equal(run.exitCode, 1)
    assert.ok(!run.bytes.includes('wrong'), 'the password is not echoed')
    assert.match(run.bytes, /failed with status: 401 Unauthorized/)
    assert.ok(!existsSync(join(configDir, 'config.json')))
  })

  it('stored credentials that no longer work: says so, offers the stored username, and stores the new password', async () => {
    const {configDir, env} = ttyEnv()
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({auths: {[stack.privateRegistry]: {auth: Buffer.from(`${stack.privateUser}:old-password`).toString('base64')}}}))
    const run = await runInPty(process.execPath, [dkrBin, 'login', stack.privateRegistry], {
      columns: 100,
      env,
      onData: answering([[`Username (${stack.privateUser}): `, '\r'], ['Password: ', `${stack.privatePassword}\r`]]),
      rows: 20,
    })
    assert.equal(run.exitCode, 0, run.bytes)
    const screen = await screenOf(run.bytes, 100, 20)
    assert.ok(screen.includes('Stored credentials invalid or expired'), screen.join('\n'))
    assert.equal(screen.at(-1), 'Login Succeeded')
    const {auths} = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as {auths: Record<string, {auth: string}>}
    assert.equal(Buffer.from(auths[stack.privateRegistry].auth, 'base64').toString(), `${stack.privateUser}:${stack.privatePassword}`)
  })

  it('Ctrl-C at a prompt exits 130 and leaves the terminal usable', async () => {
    const {env} = ttyEnv()
    const run = await runInPty(process.execPath, [dkrBin, 'login', stack.privateRegistry], {columns: 100, env, onData: answering([['Username: ', '\u0003']]), rows: 20})
    assert.equal(run.exitCode, 130)
  })
})
