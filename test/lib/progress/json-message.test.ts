import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {messageError, readMessages} from '../../../src/lib/progress/json-message.js'

async function* toAsync(chunks: string[]) {
  yield* chunks
}

async function collect(chunks: AsyncIterable<string>) {
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

describe('messageError', () => {
  it('finds errorDetail, a lone legacy error, and maps code 401', () => {
    assert.equal(messageError({error: 'x', errorDetail: {message: 'unknown blob'}}), 'unknown blob')
    assert.equal(messageError({error: 'legacy only'}), 'legacy only')
    assert.equal(messageError({errorDetail: {code: 401, message: 'no'}}), 'authentication is required')
    assert.equal(messageError({progressDetail: {}, status: 'Downloading'}), undefined)
  })
})
