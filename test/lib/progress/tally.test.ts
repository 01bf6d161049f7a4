import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {Tally} from '../../../src/lib/progress/tally.js'
import {fixture} from './plain-renderer.test.js'

const tallyOf = (name: string) => {
  const tally = new Tally()
  for (const message of fixture(name)) tally.add(message)
  return tally
}

describe('Tally', () => {
  it('sums a dockerd 20.10 pull: every layer reports its size', () => {
    const tally = tallyOf('dockerd-pull-3-layers.jsonl')
    const summary = tally.summary()
    assert.equal(summary.unsized, 0)
    assert.equal(summary.downloaded, summary.total)
    assert.equal(summary.layersDone, summary.layers)
    assert.equal(tally.upToDate, false)
  })

  it('sums a containerd image store pull whose layers all reported their size', () => {
    const summary = tallyOf('containerd-store-pull-large.jsonl').summary()
    assert.deepEqual({done: summary.layersDone, layers: summary.layers, unsized: summary.unsized}, {done: 3, layers: 3, unsized: 0})
    assert.equal(summary.downloaded, 4_195_783 + 8_391_366 + 25_173_698)
  })

  it('counts apart the containerd image store layers that never said their size', () => {
    // One layer already existed; the other two went straight to `Download complete` (hidecounts).
    const summary = tallyOf('containerd-store-pull-unsized.jsonl').summary()
    assert.deepEqual({done: summary.layersDone, downloaded: summary.downloaded, layers: summary.layers, unsized: summary.unsized}, {done: 3, downloaded: 0, layers: 3, unsized: 2})
  })

  it('does not count a layer that already existed as unsized', () => {
    const summary = tallyOf('dockerd-pull-already-exists.jsonl').summary()
    assert.equal(summary.unsized, 0)
  })
})
