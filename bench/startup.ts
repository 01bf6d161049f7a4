// Start-up cost of dkr against the Node floor and against docker, measured in one run: every round runs
// each command once, in turn, so a ratio is taken between runs made at the same moment (paired), and the
// figures are the medians over the rounds (machines here are noisy: trust the ratios). Uses the engine
// stack in the environment (DOCKER_HOST, DKR_REGISTRY) or starts one in a temp dir.
// dkr runs both as npm installs it (bin/run.js) and as the standalone executable (scripts/standalone,
// built into a temp dir first).
//   npm run bench:startup [-- --runs 21] [-- --also NAME=PATH/TO/bin/run.js ...]
// --also adds another build's entry point (e.g. a clone at an older commit) or executable to the same
// rounds.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {parseArgs} from 'node:util'
import {ensureStack} from '../scripts/stack-env.js'

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

interface Sample {
  wall: number
  /** user + system CPU milliseconds */
  cpu: number
  /** peak resident MiB */
  peak: number
}

/** One run, timed by bench/rusage.py (wait4's rusage: CPU is steadier than wall time on a loaded machine). */
function once({argv, env}: {argv: string[]; env: NodeJS.ProcessEnv}): Sample {
  const result = spawnSync('python3', [join(root, 'bench', 'rusage.py'), timings, ...argv], {env, stdio: ['ignore', 'ignore', 'pipe']})
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed: ${result.stderr}`)
  const [wall, cpu, peak] = readFileSync(timings, 'utf8').trim().split(' ').map(Number)
  return {cpu, peak: peak / 1024, wall}
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

const builds: Array<[string, string]> = [
  ['dkr', join(root, 'bin', 'run.js')],
  ['standalone', standalone],
  ...values.also.map((entry) => entry.split('=', 2) as [string, string]),
]
const commands: Record<string, {argv: string[]; env: NodeJS.ProcessEnv}> = {
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
  once({argv: ['docker', 'pull', '-q', image], env})
  const names = Object.keys(commands)
  const samples: Record<string, Sample[]> = Object.fromEntries(names.map((name) => [name, []]))
  for (const name of names) once(commands[name])
  for (let round = 0; round < runs; round++) {
    // Each round in a rotated order, so no command always follows the same one.
    for (const [index] of names.entries()) {
      const name = names[(index + round) % names.length]
      samples[name].push(once(commands[name]))
    }
  }

  /** Median of the per-round ratios a/b, of wall or of CPU time. */
  const ratio = (a: string, b: string, key: 'cpu' | 'wall') => median(samples[a].map((value, index) => value[key] / samples[b][index][key])).toFixed(2)
  const ms = (name: string, key: 'cpu' | 'wall') => `${median(samples[name].map((sample) => sample[key])).toFixed(0)} ms`.padStart(7)
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
