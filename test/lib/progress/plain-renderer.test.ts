import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, it} from 'node:test'
import {PlainRenderer} from '../../../src/lib/progress/plain-renderer.js'
import type {JsonMessage} from '../../../src/lib/progress/json-message.js'

export function fixture(name: string): JsonMessage[] {
  return readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as JsonMessage)
}

function render(messages: JsonMessage[], times?: number[]): string[] {
  const renderer = new PlainRenderer()
  return messages.flatMap((m, i) => renderer.push(m, times?.[i] ?? 0))
}

describe('PlainRenderer', () => {
  it('prints docker\'s plain lines for a recorded dockerd pull and drops progress numbers', () => {
    const lines = render(fixture('dockerd-pull-3-layers.jsonl'))
    assert.ok(!lines.some((line) => line.includes('Downloading') || line.includes('Extracting')))
    assert.equal(lines[0], '1.1: Pulling from demo/app')
    assert.match(lines.at(-2)!, /^Digest: sha256:[0-9a-f]{64}$/)
    assert.match(lines.at(-1)!, /^Status: Downloaded newer image for 127\.0\.0\.1:\d+\/demo\/app:1\.1$/)
    assert.equal(lines.filter((line) => line.endsWith(': Pull complete')).length, 3)
  })

  it('prints one line per tag section for --all-tags', () => {
    const lines = render(fixture('dockerd-pull-all-tags.jsonl'))
    assert.deepEqual(lines.filter((line) => line.includes('Pulling from')).length, 4)
    assert.match(lines.at(-1)!, /^Status: Downloaded newer image for 127\.0\.0\.1:\d+\/demo\/app$/)
  })

  it('collapses a retry countdown to one line per retry', () => {
    const countdown = (n: number): JsonMessage => ({id: 'abc', progressDetail: {}, status: `Retrying in ${n} second${n === 1 ? '' : 's'}`})
    const lines = render([countdown(5), countdown(4), countdown(3), countdown(2), countdown(1), countdown(10), countdown(9), {id: 'abc', progressDetail: {}, status: 'Download complete'}])
    assert.deepEqual(lines, ['abc: Retrying in 5 seconds', 'abc: Retrying in 10 seconds', 'abc: Download complete'])
  })

  it('prints a progress line at most every interval during a long pull', () => {
    const downloading = (current: number): JsonMessage => ({id: 'abc', progressDetail: {current, total: 1_000_000}, status: 'Downloading'})
    const lines = render([{id: 'abc', progressDetail: {}, status: 'Pulling fs layer'}, downloading(1), downloading(250_000), downloading(500_000), downloading(600_000)], [0, 1000, 10_500, 12_000, 21_000])
    assert.deepEqual(lines, ['abc: Pulling fs layer', 'Progress: 250kB/1MB downloaded, 0 of 1 layers complete', 'Progress: 600kB/1MB downloaded, 0 of 1 layers complete'])
  })
})
