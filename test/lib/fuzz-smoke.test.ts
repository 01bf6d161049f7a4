// The CI smoke of every fuzz target (test/fuzz/targets.ts): a fixed seed and a fixed number of inputs
// each, about 60 s in all on a loaded machine. bench/fuzz.ts runs the same targets for as long as asked.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {runTarget} from '../fuzz/run.js'
import {targets} from '../fuzz/targets.js'

const seed = 2026

describe('fuzz smoke: every hand-written parser, fixed seed', () => {
  for (const target of targets) {
    it(`${target.name} (${target.module}): ${target.smokeRuns} inputs throw only dkr's errors, each within a second`, async () => {
      const run = await runTarget(target, {numRuns: target.smokeRuns, seed})
      const [finding] = run.findings
      assert.equal(finding, undefined, finding && `${finding.error}\nreplay: seed ${finding.seed}; smallest input: ${finding.counterexample.slice(0, 2000)}`)
      assert.equal(run.executions, target.smokeRuns)
    })
  }
})
