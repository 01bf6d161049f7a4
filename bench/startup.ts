// Start-up cost of dkr against the Node floor and against docker, measured in one run: every round runs
// each command once, in turn, so a ratio is taken between runs made at the same moment (paired), and the
// figures are the medians over the rounds (machines here are noisy: trust the ratios). Uses the engine
// stack in the environment (DOCKER_HOST, DKR_REGISTRY) or starts one in a temp dir.
//   npm run bench:startup [-- --runs 21] [-- --also NAME=PATH/TO/bin/run.js ...]
// --also adds another build's entry point (e.g. a clone at an older commit) to the same rounds.
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {parseArgs} from 'node:util'
import {ensureStack} from '../scripts/stack-env.js'

const {values} = parseArgs({options: {also: {default: [], multiple: true, type: 'string'}, runs: {default: '21', type: 'string'}}})
const runs = Number(values.runs)
const root = resolve(import.meta.dirname, '..')

const stopStack = ensureStack()

const configDir = mkdtempSync(join(tmpdir(), 'dkr-bench-config-'))
const cacheDir = mkdtempSync(join(tmpdir(), 'dkr-bench-cache-'))
// XDG_CACHE_HOME: dkr's code cache lives there; a private one, warmed by the warm-up round.
const env: NodeJS.ProcessEnv = {...process.env, DOCKER_CLI_HINTS: 'false', DOCKER_CONFIG: configDir, NO_COLOR: '1', XDG_CACHE_HOME: cacheDir}
const image = `${process.env.DKR_REGISTRY}/demo/small:1.0`
const time = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined

/** Wall milliseconds of one run. */
function once(command: string[]): number {
  const started = process.hrtime.bigint()
  const result = spawnSync(command[0], command.slice(1), {env, stdio: ['ignore', 'ignore', 'pipe']})
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed: ${result.stderr}`)
  return Number(process.hrtime.bigint() - started) / 1e6
}

/** Peak resident memory in MiB (GNU time's %M), median of 5, when /usr/bin/time is there. */
function peakMiB(command: string[]): number | undefined {
  if (!time) return undefined
  const samples = Array.from({length: 5}, () => {
    const result = spawnSync(time, ['-f', '%M', ...command], {encoding: 'utf8', env, stdio: ['ignore', 'ignore', 'pipe']})
    return Number(result.stderr.trim().split('\n').at(-1)) / 1024
  })
  return median(samples)
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

const builds: Array<[string, string]> = [['dkr', join(root, 'bin', 'run.js')], ...values.also.map((entry) => entry.split('=', 2) as [string, string])]
const commands: Record<string, string[]> = {
  'node -e 0': [process.execPath, '-e', '0'],
  'bare node:http pull': [process.execPath, join(root, 'bench', 'raw-pull.mjs'), image],
  'docker --version': ['docker', '--version'],
  'docker pull -q': ['docker', 'pull', '-q', image],
}
for (const [name, bin] of builds) {
  commands[`${name} --version`] = [process.execPath, bin, '--version']
  commands[`${name} image pull -q`] = [process.execPath, bin, 'image', 'pull', '-q', image]
}

try {
  once(['docker', 'pull', '-q', image])
  const names = Object.keys(commands)
  const samples: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]))
  for (const name of names) once(commands[name])
  for (let round = 0; round < runs; round++) {
    // Each round in a rotated order, so no command always follows the same one.
    for (const [index] of names.entries()) {
      const name = names[(index + round) % names.length]
      samples[name].push(once(commands[name]))
    }
  }

  /** Median of the per-round ratios a/b. */
  const ratio = (a: string, b: string) => median(samples[a].map((value, index) => value / samples[b][index])).toFixed(2)
  const ms = (name: string) => `${median(samples[name]).toFixed(0)} ms`.padStart(7)
  const row = (name: string, note = '') => console.log(`  ${name.padEnd(28)}${ms(name)}${note && `   ${note}`}`)
  console.log(`medians of ${runs} rounds after a warm-up (${image} already present; ratios are medians of paired runs)`)
  row('node -e 0')
  row('bare node:http pull')
  row('docker --version')
  row('docker pull -q')
  for (const [name] of builds) {
    row(`${name} --version`, `${ratio(`${name} --version`, 'node -e 0')}× node -e 0 (target ≤ 1.15×)`)
    row(`${name} image pull -q`, `${ratio(`${name} image pull -q`, 'bare node:http pull')}× the bare node:http pull (target ≤ 1.4×)`)
    const memory = peakMiB(commands[`${name} image pull -q`])
    if (memory !== undefined) console.log(`  ${`${name} image pull -q peak memory`.padEnd(28)}${memory.toFixed(0).padStart(4)} MiB   (target ≤ 60 MiB)`)
  }
} finally {
  stopStack()
  rmSync(configDir, {force: true, recursive: true})
  rmSync(cacheDir, {force: true, recursive: true})
}
