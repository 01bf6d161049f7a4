// Start-up structure, not the clock (timings are in bench/startup.ts): the paths scripts run most must
// not load what they do not use.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {baseEnv, dkrBin, projectRoot, run} from '../helpers/run.js'
import {sshHome} from '../helpers/ssh-home.js'
import {stack} from '../helpers/stack.js'

const tracer = join(projectRoot, 'test', 'fixtures', 'trace-modules.mjs')

/** The packages a dkr run resolved from node_modules (so did not find in the bundle), by name. */
async function packagesLoaded(args: string[], env = baseEnv()): Promise<Set<string>> {
  const log = join(mkdtempSync(join(tmpdir(), 'dkr-trace-')), 'modules.txt')
  const result = await run(process.execPath, ['--import', tracer, dkrBin, ...args], {env: {...env, DKR_TRACE_FILE: log}})
  assert.equal(result.code, 0, result.stderr)
  const names = new Set<string>()
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line)
    if (match) names.add(match[1])
  }

  return names
}

const heavy = ['ssh2', '@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', 'ora', 'conf', 'ajv', 'chalk']

describe('start-up loads only what the command uses', () => {
  it('dkr --version loads no package at all (not even oclif)', async () => {
    assert.deepEqual([...(await packagesLoaded(['--version']))], [])
  })

  it('a quiet pull runs from the bundle: no dockerode, oclif, ssh2, gRPC, protobufjs, ora, conf or chalk from node_modules', async () => {
    const ref = `${stack.registry}/demo/small:1.0`
    await run(process.execPath, [dkrBin, 'pull', '-q', ref], {env: baseEnv()})
    const loaded = await packagesLoaded(['pull', '-q', ref])
    for (const name of ['dockerode', 'docker-modem', '@oclif/core', ...heavy]) assert.ok(!loaded.has(name), `${name} was loaded`)
  })

  it('an ssh:// engine loads the real ssh2 from node_modules when it connects', async () => {
    const loaded = await packagesLoaded(['version', '--format', '{{.Server.Os}}'], sshHome())
    assert.ok(loaded.has('ssh2'), [...loaded].join(' '))
  })
})
