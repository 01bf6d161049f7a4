// Start-up structure, not the clock (timings are in bench/startup.ts): the paths scripts run most must
// not load what they do not use.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {baseEnv, dkrBin, projectRoot, run} from '../helpers/run.js'
import {stack} from '../helpers/stack.js'

const tracer = join(projectRoot, 'test', 'fixtures', 'trace-modules.mjs')

/** The packages a dkr run loaded (from node_modules), by name. */
async function packagesLoaded(args: string[]): Promise<Set<string>> {
  const log = join(mkdtempSync(join(tmpdir(), 'dkr-trace-')), 'modules.txt')
  const result = await run(process.execPath, ['--import', tracer, dkrBin, ...args], {env: baseEnv({DKR_TRACE_FILE: log})})
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

  it('a quiet pull loads dockerode but not ssh2, gRPC, protobufjs, ora, conf or chalk', async () => {
    const ref = `${stack.registry}/demo/small:1.0`
    await run(process.execPath, [dkrBin, 'pull', '-q', ref], {env: baseEnv()})
    const loaded = await packagesLoaded(['pull', '-q', ref])
    assert.ok(loaded.has('dockerode'))
    for (const name of heavy) assert.ok(!loaded.has(name), `${name} was loaded`)
  })
})

describe('deferred dockerode modules', () => {
  it('load the real ssh2 the first time an ssh connection is set up', async () => {
    const script = `
      import {createRequire} from 'node:module'
      import {deferHeavyDockerodeModules} from './dist/lib/engine/deferred-modules.js'
      const require = createRequire(import.meta.url)
      const loaded = () => Object.keys(require.cache).some((path) => path.includes('/node_modules/ssh2/'))
      deferHeavyDockerodeModules({ssh: false})
      await import('dockerode')
      const before = loaded()
      const ssh = createRequire(require.resolve('dockerode'))('docker-modem/lib/ssh.js')
      const agent = ssh({host: '127.0.0.1', port: 1})
      console.log(JSON.stringify({after: loaded(), agent: typeof agent.createConnection, before}))`
    const result = await run(process.execPath, ['--input-type=module', '-e', script], {env: {...process.env, PWD: projectRoot}})
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout), {after: true, agent: 'function', before: false})
  })
})
