import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {messageError, readMessages} from '../../../src/lib/progress/json-message.js'
import {progressString} from '../../../src/lib/progress/progress-bar.js'
import {Tally} from '../../../src/lib/progress/tally.js'
import {applyMessage, newView, takeFrame} from '../../../src/lib/progress/tty-view.js'

async function* toAsync(chunks: string[]) {
  yield* chunks
}

async function collect(chunks: AsyncIterable<string | Buffer>) {
  const out = []
  for await (const message of readMessages(chunks)) out.push(message)
  return out
}

describe('readMessages', () => {
  it('joins lines split across chunks and splits several in one chunk', async () => {
    const messages = await collect(toAsync(['{"status":"a"}\n{"sta', 'tus":"b"}\n\n{"status":"c"}']))
    assert.deepEqual(messages.map((m) => m.status), ['a', 'b', 'c'])
  })

  it('fails on malformed JSON with a clear message', async () => {
    await assert.rejects(collect(toAsync(['{"status":"a"}\n{nope}\n'])), {message: 'invalid progress message from the engine: "{nope}"'})
  })
})

describe('readMessages on what the fuzzer sent (test/fuzz/targets.ts, jsonmessage-stream)', () => {
  it('reads a null field as an absent one, as Go does, and renders the message', async () => {
    // Found by the fuzzer: `progressDetail: null` reached the tally and the view as a TypeError.
    const [message] = await collect(toAsync(['{"status":"Pulling fs layer","progressDetail":null,"id":"c2039d0d9d7d"}\n']))
    assert.deepEqual(message, {id: 'c2039d0d9d7d', status: 'Pulling fs layer'})
    new Tally().add(message)
    takeFrame(applyMessage(newView([undefined], 0), 0, message), {columns: 80, rows: 24}, 0)
  })

  it('fails on a field of the wrong type, naming it, as docker\'s decoder does', async () => {
    await assert.rejects(collect(toAsync(['{"status":5}\n'])), {message: 'invalid progress message from the engine: status has the wrong type in "{\\"status\\":5}"'})
    await assert.rejects(collect(toAsync(['{"id":"a","progressDetail":{"current":"1"}}\n'])), /progressDetail.current has the wrong type/)
    await assert.rejects(collect(toAsync(['{"id":"a","progressDetail":[]}\n'])), /progressDetail has the wrong type/)
    await assert.rejects(collect(toAsync(['[]\n'])), {message: 'invalid progress message from the engine: "[]"'})
  })

  it('refuses a line that never ends instead of buffering it', async () => {
    async function* endless() {
      for (;;) yield Buffer.alloc(64 * 1024, 'x')
    }

    await assert.rejects(collect(endless()), {message: `invalid progress message from the engine: "${'x'.repeat(60)}…"`})
  })

  it('decodes a character split between chunks', async () => {
    const bytes = Buffer.from('{"status":"é"}\n')
    const messages: unknown[] = []
    async function* split() {
      yield bytes.subarray(0, 12)
      yield bytes.subarray(12)
    }

    for await (const message of readMessages(split())) messages.push(message)
    assert.deepEqual(messages, [{status: 'é'}])
  })

  it('draws a bar for a negative current without failing', () => {
    assert.match(progressString({current: -5, total: 10}, 120, 0), /^\[> {50}\]/)
  })
})

describe('messageError', () => {
  it('finds errorDetail, a lone legacy error, and maps code 401', () => {
    assert.equal(messageError({error: 'x', errorDetail: {message: 'unknown blob'}}), 'unknown blob')
    assert.equal(messageError({error: 'legacy only'}), 'legacy only')
    assert.equal(messageError({errorDetail: {code: 401, message: 'no'}}), 'authentication is required')
    assert.equal(messageError({progressDetail: {}, status: 'Downloading'}), undefined)
  })
})
