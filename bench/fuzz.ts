// Fuzzes every hand-written parser for a set time each and prints, per target, the executions, the
// slowest input, the largest heap growth against the target's bound, and any finding (with the seed and
// the shrunk input that reproduce it). CPU is shared: run it niced, one process at a time.
//   nice -n 19 node --expose-gc --import tsx bench/fuzz.ts [--seconds 60] [--target image-name] [--seed N] [--runs N]
// With --runs, each target stops after that many inputs (or --seconds, whichever comes first).
import {performance} from 'node:perf_hooks'
import {parseArgs} from 'node:util'
import {runTarget, type Finding} from '../test/fuzz/run.js'
import {targets} from '../test/fuzz/targets.js'

const {values} = parseArgs({options: {runs: {type: 'string'}, seconds: {default: '60', type: 'string'}, seed: {type: 'string'}, target: {multiple: true, type: 'string'}}})
const seconds = Number(values.seconds)
const maxRuns = values.runs === undefined ? Number.MAX_SAFE_INTEGER : Number(values.runs)
const chosen = targets.filter((target) => !values.target || values.target.includes(target.name))
if (chosen.length === 0) throw new Error(`no target named ${values.target?.join(', ')}; targets: ${targets.map((target) => target.name).join(', ')}`)

const findings: Finding[] = []
console.log('target                     executions  seconds  cpu s  slowest  heap growth / bound')
for (const target of chosen) {
  const started = performance.now()
  // Wall time alone would flatter a niced run on a busy machine: the CPU it got is printed beside it.
  const cpuBefore = process.cpuUsage()
  const until = started + seconds * 1000
  let executions = 0
  let slowestMs = 0
  let peak = 0
  let round = 0
  // fast-check stops at the first failure: carry on from a new seed until the time is up, or until the
  // target has a finding (one open finding per target is enough to act on).
  while (performance.now() < until && executions < maxRuns && !findings.some((finding) => finding.target === target.name)) {
    const seed = values.seed === undefined ? (Date.now() ^ (round * 0x9e3779b9)) | 0 : Number(values.seed) + round
    const run = await runTarget(target, {numRuns: Math.min(maxRuns - executions, 2 ** 31 - 1), seed, untilMs: until})
    executions += run.executions
    slowestMs = Math.max(slowestMs, run.slowestMs)
    peak = Math.max(peak, run.peakHeapGrowthMiB)
    findings.push(...run.findings)
    round += 1
  }

  const elapsed = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  const overBound = peak > target.memoryBoundMiB ? '  OVER BOUND' : ''
  console.log(`${target.name.padEnd(26)} ${String(executions).padStart(10)}  ${elapsed.toFixed(0).padStart(7)}  ${cpuSeconds.toFixed(0).padStart(5)}  ${slowestMs.toFixed(0).padStart(5)}ms  ${peak.toFixed(1)} / ${target.memoryBoundMiB} MiB${overBound}`)
}

console.log(`\npeak RSS of the whole run: ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`)
console.log(findings.length === 0 ? 'no findings' : `${findings.length} finding(s):`)
for (const finding of findings) console.log(`- ${finding.target} (seed ${finding.seed}): ${finding.error}\n  input: ${finding.counterexample.slice(0, 2000)}`)
process.exitCode = findings.length === 0 ? 0 : 1
