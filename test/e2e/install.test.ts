// Installing dkr as a user does, from a fresh clone: the README's Install command (npm ci, npm pack, whose
// prepack builds, then npm install -g of the package), into a temp prefix; the installed `dkr`, found on
// PATH and run from outside the repo, pulls from the stack. The clone is also where a rebuild is checked
// not to break a dkr run started while it runs (the build swaps dist/ in when done).
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {baseEnv, projectRoot, run} from '../helpers/run.js'
import {stack} from '../helpers/stack.js'

/** The first command line of the README's Install section, without its comment. */
function readmeInstallCommand(): string {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8')
  const section = /^## Install\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? ''
  const block = /```sh\n([^\n]*)\n/.exec(section)?.[1] ?? ''
  return block.replace(/\s+#.*$/, '').trim()
}

describe('installing dkr from a fresh clone', {timeout: 600_000}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dkr-install-'))
  const clone = join(dir, 'clone')
  const prefix = join(dir, 'prefix')
  const away = mkdtempSync(join(dir, 'elsewhere-'))
  // npm's own noise stays out of the test output; its cache is the machine's (nothing is fetched twice).
  const npmEnv = {...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_prefer_offline: 'true', npm_config_prefix: prefix}
  let installOutput = ''

  before(async () => {
    execFileSync('git', ['clone', '--quiet', projectRoot, clone])
    const command = readmeInstallCommand()
    assert.match(command, /npm pack/, 'the README has an Install section with the install command')
    const installed = await run('bash', ['-c', command], {cwd: clone, env: npmEnv, timeoutMs: 540_000})
    installOutput = `${installed.stdout}\n${installed.stderr}`
    assert.equal(installed.code, 0, installOutput)
  })

  after(() => rmSync(dir, {force: true, recursive: true}))

  it('puts a dkr on PATH that pulls from the engine, run from outside the repo', async () => {
    const env = baseEnv({PATH: `${join(prefix, 'bin')}:${process.env.PATH}`})
    const ref = `${stack.registry}/demo/small:1.0`
    const pulled = await run('dkr', ['pull', '-q', ref], {cwd: away, env})
    assert.deepEqual([pulled.code, pulled.stdout, pulled.stderr], [0, `${ref}\n`, ''])
    const help = await run('dkr', ['pull', '--help'], {cwd: away, env})
    assert.equal(help.code, 0)
    assert.match(help.stdout, /\$ dkr pull \[OPTIONS\] NAME/)
    // The command_not_found hook, loaded by path from the installed package.
    assert.match((await run('dkr', ['pul'], {cwd: away, env})).stderr, /Did you mean 'dkr pull'\?/)
  })

  it('the installed package holds the build, not the sources or the tests', () => {
    const files = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {cwd: clone, encoding: 'utf8', env: npmEnv})
    const paths: string[] = JSON.parse(files)[0].files.map((file: {path: string}) => file.path)
    assert.ok(paths.includes('dist/dkr.cjs') && paths.includes('oclif.manifest.json') && paths.includes('bin/run.js'), paths.join(' '))
    assert.deepEqual(paths.filter((path) => /^(src|test|bench|scripts)\//.test(path)), [])
  })

  it('a rebuild does not break dkr runs started while it builds', async () => {
    const build = run('npm', ['run', 'build', '--silent'], {cwd: clone, env: npmEnv, timeoutMs: 300_000})
    let building = true
    void build.finally(() => (building = false))
    const failures: string[] = []
    let runs = 0
    while (building) {
      const result = await run(process.execPath, [join(clone, 'bin', 'run.js'), 'config', 'path'], {cwd: away, env: baseEnv()})
      runs++
      if (result.code !== 0) failures.push(result.stderr)
    }

    assert.equal((await build).code, 0)
    assert.ok(runs >= 5, `only ${runs} runs happened during the build`)
    assert.deepEqual(failures, [])
  })
})
