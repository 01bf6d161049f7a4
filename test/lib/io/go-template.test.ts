import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {DkrError} from '../../../src/lib/errors.js'
import {renderTemplate} from '../../../src/lib/io/go-template.js'

describe('renderTemplate', () => {
  it('renders fields and JSON, matching field names case-insensitively', () => {
    assert.equal(renderTemplate('{{.Client.Version}} {{json .server}}', {Client: {Version: '1'}, Server: {Os: 'linux'}}), '1 {"Os":"linux"}')
  })

  it('refuses, in one line, data nested deeper than JSON.stringify goes (what the jws fuzz target found, here in --format)', () => {
    // An engine's /version answer is data dkr does not control; printing it was a RangeError.
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown
    assert.throws(() => renderTemplate('{{json .Server}}', {Server: deep}), (error: unknown) => error instanceof DkrError && error.message === 'template: {{json .Server}}: the value is nested too deeply to print')
  })
})
