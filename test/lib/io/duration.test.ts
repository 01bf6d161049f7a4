import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {UsageError} from '../../../src/lib/errors.js'
import {parseDuration} from '../../../src/lib/io/duration.js'

describe('parseDuration on what the duration fuzz target found', () => {
  it('refuses a duration longer than Go allows (400 nines was Infinity milliseconds)', () => {
    assert.throws(() => parseDuration(`${'9'.repeat(400)}s`, '--stall-timeout'), (error: unknown) => error instanceof UsageError && /longer than 2562047h, Go's maximum/.test(error.message))
    assert.throws(() => parseDuration('2562048h', '--stall-timeout'), UsageError)
    assert.equal(parseDuration('2562047h', '--stall-timeout'), 2562047 * 3_600_000)
  })
})
