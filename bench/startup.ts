// Start-up cost of dkr against the Node floor and against docker, measured in one run (medians after a
// warm-up, as ratios: machines here are noisy). Uses the engine stack in the environment (DOCKER_HOST,
// DKR_REGISTRY) or starts one in a temp dir.
//   npm run bench:startup [-- --runs 15]
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {parseArgs} from 'node:util'
import {ensureStack} from '../scripts/stack-env.js'

const {values} = parseArgs({options: {runs: {default: '15', type: 'string'}}})
const runs = Number(values.runs)
const root = resolve(import.meta.dirname, '..')
const dkr = join(root, 'bin', 'run.js')

const stopStack = ensureStack()

const configDir = mkdtempSync(join(tmpdir(), 'dkr-bench-config-'))
const env: NodeJS.ProcessEnv = {...process.env, DOCKER_CLI_HINTS: 'false', DOCKER_CONFIG: configDir, NO_COLOR: '1'}
const image = `${process.env.DKR_REGISTRY}/demo/small:1.0`
const time = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined

/** Wall milliseconds of one run. */
function once(command: string[]): number {
  const started = process.hrtime.bigint()
  const result = spawnSync(command[0], command.slice(1), {env, stdio: ['ignore', 'ignore', 'pipe']})
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed: ${result.stderr}`)
  return Number(process.hrtime.bigint() - started) / 1e6
}

function median(command: string[]): number {
  once(command)
  const samples = Array.from({length: runs}, () => once(command)).sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)]
}

/** Peak resident memory in MiB (GNU time's %M), when /usr/bin/time is there. */
function peakMiB(command: string[]): number | undefined {
  if (!time) return undefined
  const result = spawnSync(time, ['-f', '%M', ...command], {encoding: 'utf8', env, stdio: ['ignore', 'ignore', 'pipe']})
  return Number(result.stderr.trim().split('\n').at(-1)) / 1024
}

try {
  once(['docker', 'pull', '-q', image])
  const figures = {
    dkrPull: median([process.execPath, dkr, 'image', 'pull', '-q', image]),
    dkrVersion: median([process.execPath, dkr, '--version']),
    dockerPull: median(['docker', 'pull', '-q', image]),
    dockerVersion: median(['docker', '--version']),
    node: median([process.execPath, '-e', '0']),
    rawPull: median([process.execPath, join(root, 'bench', 'raw-pull.mjs'), image]),
  }
  const memory = peakMiB([process.execPath, dkr, 'image', 'pull', '-q', image])
  const ms = (value: number) => `${value.toFixed(0)} ms`
  console.log(`medians of ${runs} runs after a warm-up (${image} already present)`)
  console.log(`  node -e 0                 ${ms(figures.node)}`)
  console.log(`  dkr --version             ${ms(figures.dkrVersion)}   ${(figures.dkrVersion / figures.node).toFixed(2)}× node -e 0 (target ≤ 1.5×)`)
  console.log(`  docker --version          ${ms(figures.dockerVersion)}`)
  console.log(`  bare node:http pull       ${ms(figures.rawPull)}`)
  console.log(`  dkr image pull -q         ${ms(figures.dkrPull)}   ${(figures.dkrPull / figures.rawPull).toFixed(2)}× the bare node:http pull (target ≤ 1.4×)`)
  console.log(`  docker pull -q            ${ms(figures.dockerPull)}`)
  if (memory !== undefined) console.log(`  dkr image pull -q peak memory ${memory.toFixed(0)} MiB (target ≤ 80 MiB)`)
} finally {
  stopStack()
  rmSync(configDir, {force: true, recursive: true})
}
