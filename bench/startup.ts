// Start-up cost of dkr against the Node floor and against docker, measured in one run in paired rounds
// (bench/paired.ts), the figures medians over the rounds. Uses the engine
// stack in the environment (DOCKER_HOST, DKR_REGISTRY) or starts one in a temp dir.
// dkr runs both as npm installs it (bin/run.js) and as the standalone executable (scripts/standalone,
// built into a temp dir first).
//   npm run bench:startup [-- --runs 21] [-- --also NAME=PATH/TO/bin/run.js ...]
// --also adds another build's entry point (e.g. a clone at an older commit) or executable to the same
// rounds.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {parseArgs} from 'node:util'
import {ensureStack} from '../scripts/stack-env.js'
import {type Command, median, medianMs, once, pairedRatio, pairedRounds} from './paired.js'

const {values} = parseArgs({options: {also: {default: [], multiple: true, type: 'string'}, runs: {default: '21', type: 'string'}}})
const runs = Number(values.runs)
const root = resolve(import.meta.dirname, '..')

const configDir = mkdtempSync(join(tmpdir(), 'dkr-bench-config-'))
const cacheDir = mkdtempSync(join(tmpdir(), 'dkr-bench-cache-'))
const standalone = join(configDir, 'dkr-standalone')
const built = spawnSync(join(root, 'scripts', 'standalone'), [standalone], {encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe']})
if (built.status !== 0) throw new Error(`scripts/standalone failed: ${built.stderr}`)
// Measured as an executable read from disk, not one just written: the kernel keeps a freshly written
// file in large page-cache folios and maps them whole, some 15 MiB of peak memory that a binary read back
// from disk does not have (measured here).
spawnSync('python3', ['-c', 'import os, sys; os.posix_fadvise(os.open(sys.argv[1], os.O_RDONLY), 0, 0, os.POSIX_FADV_DONTNEED)', standalone])

const stopStack = ensureStack()
// XDG_CACHE_HOME: dkr's code cache lives there; a private one per build, warmed by the warm-up round.
const env: NodeJS.ProcessEnv = {...process.env, DOCKER_CLI_HINTS: 'false', DOCKER_CONFIG: configDir, NO_COLOR: '1'}
const image = `${process.env.DKR_REGISTRY}/demo/small:1.0`
const timings = join(configDir, 'rusage.txt')

const builds: Array<[string, string]> = [
  ['dkr', join(root, 'bin', 'run.js')],
  ['standalone', standalone],
  ...values.also.map((entry) => entry.split('=', 2) as [string, string]),
]
const commands: Record<string, Command> = {
  'node -e 0': {argv: [process.execPath, '-e', '0'], env},
  'bare node:http pull': {argv: [process.execPath, join(root, 'bench', 'raw-pull.cjs'), image], env},
  'docker --version': {argv: ['docker', '--version'], env},
  'docker pull -q': {argv: ['docker', 'pull', '-q', image], env},
}
for (const [name, bin] of builds) {
  // An entry point is run with this Node; anything else (scripts/standalone's launcher) as it is.
  const dkr = bin.endsWith('.js') ? [process.execPath, bin] : [bin]
  const own = {...env, XDG_CACHE_HOME: join(cacheDir, name)}
  commands[`${name} --version`] = {argv: [...dkr, '--version'], env: own}
  commands[`${name} image pull -q`] = {argv: [...dkr, 'image', 'pull', '-q', image], env: own}
}

try {
  once({argv: ['docker', 'pull', '-q', image], env}, timings)
  const samples = pairedRounds(commands, runs, timings)
  const ratio = (a: string, b: string, key: 'cpu' | 'wall') => pairedRatio(samples[a], samples[b], key)
  const ms = (name: string, key: 'cpu' | 'wall') => medianMs(samples[name], key)
  const row = (name: string, versus?: string, target?: string) => {
    const ratios = versus ? `   ${ratio(name, versus, 'wall')}× (cpu ${ratio(name, versus, 'cpu')}×) ${versus}, target ≤ ${target}×` : ''
    console.log(`  ${name.padEnd(24)}${ms(name, 'wall')} wall${ms(name, 'cpu')} cpu${ratios}`)
  }

  console.log(`medians of ${runs} rounds after a warm-up (${image} already present); ratios are medians of paired runs`)
  row('node -e 0')
  row('bare node:http pull')
  row('docker --version')
  row('docker pull -q')
  for (const [name] of builds) {
    row(`${name} --version`, 'node -e 0', '1.10')
    row(`${name} image pull -q`, 'bare node:http pull', '1.25')
    row(`${name} image pull -q`, 'docker pull -q', '2.0')
    const peak = median(samples[`${name} image pull -q`].map((sample) => sample.peak))
    console.log(`  ${`${name} pull peak memory`.padEnd(24)}${peak.toFixed(0).padStart(4)} MiB (target ≤ 60 MiB)`)
  }
} finally {
  stopStack()
  rmSync(configDir, {force: true, recursive: true})
  rmSync(cacheDir, {force: true, recursive: true})
}
