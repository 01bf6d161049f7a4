import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {newFleetView, setBytes, setPhase, takeFleetFrame, type FleetViewState} from '../../../src/lib/progress/fleet-view.js'

const size = {columns: 80, rows: 12}

function fleet(count: number): FleetViewState {
  return newFleetView(Array.from({length: count}, (_, i) => `edge-${i + 1}`), 0)
}

describe('the fleet view', () => {
  it('shows one line per engine at work (phase, bytes, rate), a count and a total', () => {
    let state = setPhase(setPhase(fleet(3), 0, 'pulling', 0), 1, 'connecting', 0)
    state = setBytes(state, [{downloaded: 2_000_000, total: 4_000_000}, {downloaded: 0, total: 0}, {downloaded: 0, total: 0}])
    const [frame] = takeFleetFrame(state, size, 2000)
    assert.deepEqual(frame.commit, [])
    assert.deepEqual(frame.live, ['edge-1 pulling    2MB/4MB             1MB/s', 'edge-2 connecting', '0 done, 2 pulling, 1 waiting (of 3)', 'Total: 2MB/4MB  1MB/s  2s'])
  })

  it('collapses finished engines into the count and commits each failure once, with its reason', () => {
    let state = fleet(3)
    state = setPhase(state, 0, 'done', 0)
    state = setPhase(state, 1, 'failed', 0, 'Cannot connect to the Docker daemon')
    state = setPhase(state, 2, 'pulling', 0)
    const [first, next] = takeFleetFrame(state, size, 1000)
    assert.deepEqual(first.commit, ['edge-2: failed: Cannot connect to the Docker daemon'])
    assert.deepEqual(first.live.slice(0, 2), ['edge-3 pulling', '1 done, 1 failed, 1 pulling (of 3)'])
    const [second] = takeFleetFrame(setPhase(next, 1, 'failed', 0, 'again'), size, 1000)
    assert.deepEqual(second.commit, [])
  })

  it('fits the screen whatever the number of engines: the live part stays below its height', () => {
    let state = fleet(200)
    for (let i = 0; i < 200; i++) state = setPhase(state, i, 'pulling', 0)
    const [frame] = takeFleetFrame(state, size, 1000)
    assert.equal(frame.live.length, size.rows - 2)
    assert.equal(frame.live.at(-3), '… 193 more pulling')
    assert.ok(frame.live.every((line) => line.length < size.columns))
  })
})
