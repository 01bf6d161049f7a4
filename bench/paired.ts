// Paired rounds for the benches: every round runs each command once, in a rotated order, so a ratio is
// taken between runs made at the same moment, and figures are medians over the rounds (machines here are
// noisy: trust the ratios). Each run is timed by bench/rusage.py (wait4's rusage: CPU is steadier than
// wall time on a loaded machine).
import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

export interface Sample {
  wall: number
  /** user + system CPU milliseconds */
  cpu: number
  /** peak resident MiB */
  peak: number
}

export interface Command {
  argv: string[]
  env: NodeJS.ProcessEnv
}

/** One run of `command`, its rusage written to `timings`; a failed run throws with its stderr. */
export function once(command: Command, timings: string): Sample {
  const result = spawnSync('python3', [join(import.meta.dirname, 'rusage.py'), timings, ...command.argv], {env: command.env, stdio: ['ignore', 'ignore', 'pipe']})
  if (result.status !== 0) throw new Error(`${command.argv.join(' ')} failed: ${result.stderr}`)
  const [wall, cpu, peak] = readFileSync(timings, 'utf8').trim().split(' ').map(Number)
  return {cpu, peak: peak / 1024, wall}
}

export function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** A warm-up run of each command, then `runs` rounds; the samples of each command, in round order. */
export function pairedRounds(commands: Record<string, Command>, runs: number, timings: string): Record<string, Sample[]> {
  const names = Object.keys(commands)
  const samples: Record<string, Sample[]> = Object.fromEntries(names.map((name) => [name, []]))
  for (const name of names) once(commands[name], timings)
  for (let round = 0; round < runs; round++) {
    // Each round in a rotated order, so no command always follows the same one.
    for (const [index] of names.entries()) {
      const name = names[(index + round) % names.length]
      samples[name].push(once(commands[name], timings))
    }
  }

  return samples
}

/** Median of the per-round ratios a/b, of wall or of CPU time. */
export function pairedRatio(a: Sample[], b: Sample[], key: 'cpu' | 'wall'): string {
  return median(a.map((value, index) => value[key] / b[index][key])).toFixed(2)
}

/** The median of `key` over the samples, as `123 ms` padded to 7. */
export function medianMs(samples: Sample[], key: 'cpu' | 'wall'): string {
  return `${median(samples.map((sample) => sample[key])).toFixed(0)} ms`.padStart(7)
}
