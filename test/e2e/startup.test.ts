// Start-up structure, not the clock (timings are in bench/startup.ts): the paths scripts run most must
// not load what they do not use.
import assert from 'node:assert/strict'
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, join} from 'node:path'
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

  it('a quiet pull and its --help never call localeCompare, whose first call sets up ICU\'s collator', async () => {
    const ref = `${stack.registry}/demo/small:1.0`
    // Counts the calls, and says so on stderr at exit.
    const counter = `data:text/javascript,${encodeURIComponent("const o = String.prototype.localeCompare; let n = 0; String.prototype.localeCompare = function (...a) { n++; return o.apply(this, a) }; process.on('exit', () => process.stderr.write('localeCompare ' + n))")}`
    for (const args of [['pull', '-q', ref], ['pull', '--help']]) {
      const result = await run(process.execPath, ['--import', counter, dkrBin, ...args], {env: baseEnv()})
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stderr, 'localeCompare 0', args.join(' '))
    }
  })

  it('an ssh:// engine loads the real ssh2 from node_modules when it connects', async () => {
    const loaded = await packagesLoaded(['version', '--format', '{{.Server.Os}}'], sshHome())
    assert.ok(loaded.has('ssh2'), [...loaded].join(' '))
  })
})

describe("the bundle's V8 code cache ($XDG_CACHE_HOME/dkr/code-cache)", () => {
  const cacheDir = (home: string) => join(home, 'dkr', 'code-cache')
  const cacheFiles = (home: string) => readdirSync(cacheDir(home))

  async function config(home: string) {
    const result = await run(process.execPath, [dkrBin, 'config', 'path'], {env: baseEnv({XDG_CACHE_HOME: home, XDG_CONFIG_HOME: '/nonexistent/config'})})
    assert.deepEqual([result.code, result.stderr], [0, ''])
    return result.stdout
  }

  it('is written by the first run, for this Node and architecture, and used as is by the next', async () => {
    const home = mkdtempSync(join(tmpdir(), 'dkr-cache-'))
    const expected = await config(home)
    const [file] = cacheFiles(home)
    assert.match(file, new RegExp(`^[0-9a-f]{32}-${process.version.replaceAll('.', '\\.')}-${process.arch}\\.bin$`))
    const written = statSync(join(cacheDir(home), file))
    assert.equal(await config(home), expected)
    // Not written again: V8 took it.
    assert.equal(statSync(join(cacheDir(home), file)).mtimeMs, written.mtimeMs)
  })

  it('a damaged, truncated or foreign cache file is ignored, and replaced; other builds\' caches are kept, up to four', async () => {
    const home = mkdtempSync(join(tmpdir(), 'dkr-cache-'))
    const expected = await config(home)
    const [file] = cacheFiles(home)
    const path = join(cacheDir(home), file)
    const good = readFileSync(path)
    const flipped = Buffer.from(good)
    flipped[Math.floor(flipped.length / 2)] ^= 0xff
    for (const damaged of [flipped, good.subarray(0, 1000), Buffer.from('not a cache'), Buffer.alloc(0)]) {
      writeFileSync(path, damaged)
      assert.equal(await config(home), expected)
      assert.ok(readFileSync(path).equals(good) || readFileSync(path).length > 1000, 'rewritten')
    }

    // Caches of other builds are kept, up to four with this one's; the oldest go.
    const others = [1, 2, 3, 4].map((n) => join(cacheDir(home), `${String(n).repeat(32)}-${process.version}-${process.arch}.bin`))
    for (const [index, other] of others.entries()) {
      writeFileSync(other, good)
      utimesSync(other, 1000 + index, 1000 + index)
    }

    rmSync(path)
    assert.equal(await config(home), expected)
    assert.deepEqual(cacheFiles(home).sort(), [file, ...others.slice(1).map((other) => basename(other))].sort())
  })

  it('a file that passed its CRC check is taken as is by later runs (no zlib), and checked again once anything rewrites it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'dkr-cache-'))
    const expected = await config(home)
    const [file] = cacheFiles(home)
    const path = join(cacheDir(home), file)
    // Recorded only for a file changed more than 2 s before.
    await new Promise((resolve) => setTimeout(resolve, 2100))
    assert.equal(await config(home), expected)
    assert.ok(readFileSync(join(home, 'dkr', 'code-cache.verified'), 'utf8').includes(file))

    const zlibProbe = `data:text/javascript,${encodeURIComponent("process.on('exit', () => process.stderr.write('zlib ' + process.moduleLoadList.includes('NativeModule zlib')))")}`
    const env = baseEnv({XDG_CACHE_HOME: home, XDG_CONFIG_HOME: '/nonexistent/config'})
    const probed = await run(process.execPath, ['--import', zlibProbe, dkrBin, 'config', 'path'], {env})
    assert.deepEqual([probed.stdout, probed.stderr], [expected, 'zlib false'])

    const good = readFileSync(path)
    const flipped = Buffer.from(good)
    flipped[Math.floor(flipped.length / 2)] ^= 0xff
    writeFileSync(path, flipped)
    assert.equal(await config(home), expected)
    assert.ok(readFileSync(path).equals(good) || !readFileSync(path).equals(flipped), 'rewritten')
  })

  it('is written again, once, by a run that took a code path it does not list (another command)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'dkr-cache-'))
    const env = baseEnv({XDG_CACHE_HOME: home, XDG_CONFIG_HOME: join(home, 'config')})
    const dkrRun = async (...args: string[]) => {
      const result = await run(process.execPath, [dkrBin, ...args], {env})
      assert.deepEqual([result.code, result.stderr], [0, ''], args.join(' '))
    }

    await dkrRun('config', 'path')
    const [file] = cacheFiles(home)
    const path = join(cacheDir(home), file)
    const mtime = () => statSync(path).mtimeMs
    const first = mtime()
    await dkrRun('config', 'path')
    assert.equal(mtime(), first, 'the same path: not written again')
    await new Promise((resolve) => setTimeout(resolve, 20))
    await dkrRun('config', 'list')
    const second = mtime()
    assert.ok(second > first, 'a new command: written again')
    // The paths come after the CRC, before V8's data: both commands are listed now.
    const listed = readFileSync(path).toString('latin1', 6, 6 + readFileSync(path).readUInt16LE(4)).split('\n')
    assert.deepEqual(listed.sort(), ['command:config:list', 'command:config:path'])
    await dkrRun('config', 'path')
    await dkrRun('config', 'list')
    assert.equal(mtime(), second, 'both listed: not written again')
  })

  it('an unusable cache directory costs nothing but time: no output, same result', async () => {
    const home = join(mkdtempSync(join(tmpdir(), 'dkr-cache-')), 'a-file')
    writeFileSync(home, '')
    const expected = await config(mkdtempSync(join(tmpdir(), 'dkr-cache-')))
    assert.equal(await config(home), expected)
  })
})
