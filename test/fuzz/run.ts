// Runs one fuzz target under the properties every target holds: only the errors it names escape (never
// a TypeError, RangeError, stack overflow or unhandled rejection), each input takes under a second of CPU, and
// the heap grows no more than the target's bound. Used by the CI smoke (test/lib/fuzz-smoke.test.ts,
// fixed seed, few inputs) and by bench/fuzz.ts (any seed, for minutes).
import {performance} from 'node:perf_hooks'
import fc from 'fast-check'
import type {FuzzTarget} from './targets.js'

export const inputTimeLimitMs = 1000

export interface Finding {
  target: string
  seed: number
  /** The smallest input fast-check shrank the failure to, as fast-check prints it. */
  counterexample: string
  error: string
}

export interface TargetRun {
  executions: number
  findings: Finding[]
  /** CPU time of the costliest input. */
  slowestMs: number
  /** Largest heap growth over the run's start, sampled every 256 inputs (after a collection when node runs with --expose-gc). */
  peakHeapGrowthMiB: number
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.constructor.name}: ${error.message.slice(0, 300)}`
  return `non-Error thrown: ${String(error).slice(0, 300)}`
}

/** Whether `error` is one the target allows: its own classes, or a plain Error from a decoder whose caller wraps it. */
export function isExpected(target: FuzzTarget<never>, error: unknown): boolean {
  if (!(error instanceof Error)) return false
  if (target.expected.some((expected) => error instanceof expected)) return true
  return Boolean(target.plainErrorsExpected) && Object.getPrototypeOf(error) === Error.prototype
}

/** Runs `target` on `numRuns` inputs from `seed`, or until `untilMs` (performance.now()) passes. */
export async function runTarget(target: FuzzTarget<never>, options: {seed: number; numRuns: number; untilMs?: number}): Promise<TargetRun> {
  let executions = 0
  let slowestMs = 0
  let peakHeap = 0
  const rejections: unknown[] = []
  const onRejection = (reason: unknown) => rejections.push(reason)
  process.on('unhandledRejection', onRejection)
  // With --expose-gc the samples are what the inputs left behind (a leak shows), not garbage awaiting collection.
  const collect = (globalThis as {gc?: () => void}).gc ?? (() => {})
  collect()
  const baseHeap = process.memoryUsage().heapUsed
  const property = fc.asyncProperty(target.input, async (input: never) => {
    executions += 1
    if (executions % 256 === 0) {
      collect()
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed - baseHeap)
    }

    // CPU time, not wall time: the machine is shared, and another process's load is not this input's cost.
    const started = process.cpuUsage()
    try {
      await target.run(input)
    } catch (error) {
      if (!isExpected(target, error)) throw error
    }

    const used = process.cpuUsage(started)
    const elapsed = (used.user + used.system) / 1000
    slowestMs = Math.max(slowestMs, elapsed)
    if (elapsed > inputTimeLimitMs) throw new Error(`one input took ${Math.round(elapsed)} ms (limit ${inputTimeLimitMs} ms)`)
    if (rejections.length > 0) throw new Error(`unhandled rejection: ${describe(rejections.shift())}`)
  })
  const findings: Finding[] = []
  try {
    const result = await fc.check(property, {
      interruptAfterTimeLimit: options.untilMs === undefined ? undefined : Math.max(1, options.untilMs - performance.now()),
      markInterruptAsFailure: false,
      numRuns: options.numRuns,
      seed: options.seed,
    })
    if (result.failed) {
      findings.push({counterexample: fc.stringify(result.counterexample), error: describe(result.errorInstance), seed: options.seed, target: target.name})
    }
  } finally {
    process.off('unhandledRejection', onRejection)
  }

  return {executions, findings, peakHeapGrowthMiB: peakHeap / 2 ** 20, slowestMs}
}
