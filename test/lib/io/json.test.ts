import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {nestsDeeperThan, shownJson} from '../../../src/lib/io/json.js'

describe('nestsDeeperThan', () => {
  it('counts arrays and objects, not brackets inside strings', () => {
    assert.equal(nestsDeeperThan('{"a":[[1]]}', 3), false)
    assert.equal(nestsDeeperThan('{"a":[[[1]]]}', 3), true)
    assert.equal(nestsDeeperThan(`{"a":"${'['.repeat(100)}\\"["}`, 3), false)
    assert.equal(nestsDeeperThan('['.repeat(1_000_000)), true)
  })
})

describe('shownJson', () => {
  it('quotes scalars cut at 100 characters and names what may be deep', () => {
    assert.equal(shownJson('x'), '"x"')
    assert.equal(shownJson('y'.repeat(200)), `"${'y'.repeat(99)}…`)
    assert.equal(shownJson(JSON.parse('['.repeat(10_000) + ']'.repeat(10_000))), 'an array')
    assert.equal(shownJson({toString: 1}), 'an object')
  })
})
