import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import type {TextOutput} from '../../../src/lib/io/streams.js'
import type {JsonMessage} from '../../../src/lib/progress/json-message.js'
import {frameBytes, TerminalWriter} from '../../../src/lib/progress/terminal-writer.js'
import {Tally} from '../../../src/lib/progress/tally.js'
import {applyAside, applyMessage, finishPull, newView, takeFrame} from '../../../src/lib/progress/tty-view.js'
import {screenOf, visibleText} from '../../helpers/screen.js'
import {fixture} from './plain-renderer.test.js'

function fakeTerminal(columns: number, rows: number): TextOutput & {bytes: string; writes: number} {
  return {bytes: '', columns, isTTY: true, rows, writes: 0, write(text: string) {
    this.bytes += text
    this.writes += 1
  }}
}

/** Feeds messages through the view and writer, drawing a frame every `every` messages. */
function drive(messages: JsonMessage[], columns: number, rows: number, every = 1) {
  const out = fakeTerminal(columns, rows)
  const writer = new TerminalWriter(out)
  let state = newView([undefined], 0)
  const liveHeights: number[] = []
  const draw = () => {
    const [frame, next] = takeFrame(state, {columns, rows}, 1000)
    state = next
    liveHeights.push(frame.live.length)
    writer.draw(frame)
  }

  messages.forEach((message, i) => {
    state = applyMessage(state, 0, message)
    if (i % every === 0) draw()
  })
  state = finishPull(state, 0)
  draw()
  writer.release()
  return {liveHeights, out}
}

/** docker's final screen for a stream: each section's layers in order of appearance, in their last state. */
function dockerFinalScreen(messages: JsonMessage[]): string[] {
  const lines: string[] = []
  let section = new Map<string, string>()
  const flush = () => {
    lines.push(...section.values())
    section = new Map()
  }

  for (const m of messages) {
    if (m.id && m.progressDetail) {
      const text = `${m.id}: ${m.status}`
      section.set(m.id, m.status === 'Downloading' || m.status === 'Extracting' ? section.get(m.id) ?? text : text)
    } else {
      flush()
      lines.push(m.id ? `${m.id}: ${m.status}` : m.status ?? '')
    }
  }

  flush()
  return lines
}

/** A recorded three-layer pull up to its first finished download: the view and the tally at that point. */
function midwayThroughThreeLayers() {
  const messages = fixture('dockerd-pull-3-layers.jsonl')
  const midway = messages.findIndex((m) => m.status === 'Download complete')
  let state = newView([undefined], 0)
  const tally = new Tally()
  for (const m of messages.slice(0, midway + 1)) {
    state = applyMessage(state, 0, m)
    tally.add(m)
  }

  return {state, tally}
}

describe('the TTY view and terminal writer', () => {
  // The last is Docker Engine 28's containerd image store: `hidecounts`, `Extracting` in seconds, and
  // layers that finish without ever reporting their size.
  for (const name of ['dockerd-pull-3-layers.jsonl', 'dockerd-pull-all-tags.jsonl', 'dockerd-pull-already-exists.jsonl', 'dockerd-pull-many-layers.jsonl', 'containerd-store-pull-large.jsonl', 'containerd-store-pull-unsized.jsonl']) {
    it(`ends on docker's final screen for ${name}`, async () => {
      const messages = fixture(name)
      const {out} = drive(messages, 150, 60)
      assert.deepEqual(await screenOf(out.bytes, 150, 60), dockerFinalScreen(messages))
    })
  }

  it('keeps the live part below the screen height by folding finished layers', async () => {
    const messages = fixture('dockerd-pull-many-layers.jsonl')
    const {liveHeights, out} = drive(messages, 80, 8)
    assert.ok(Math.max(...liveHeights) <= 6, `live heights ${Math.max(...liveHeights)}`)
    assert.ok(out.bytes.includes('layers complete'))
    // The whole pull still ends in scrollback, every layer in its final state.
    assert.deepEqual(await screenOf(out.bytes, 80, 8), dockerFinalScreen(messages))
  })

  it('shows a total line while bytes are moving, and drops it at the end', async () => {
    const {state, tally} = midwayThroughThreeLayers()
    const [frame] = takeFrame(state, {columns: 100, rows: 30}, 2000, tally.summary())
    assert.match(frame.live.at(-1)!, /^Total: \S+\/4\.196MB {2}\S+\/s {2}2s$/)
  })

  it("ends the total line with dkr's aside (the rateLimit preference's remaining pulls) once it is known", () => {
    const {state: midway, tally} = midwayThroughThreeLayers()
    const state = applyAside(midway, '42 of 100 pulls per 6 hours left')
    const [frame] = takeFrame(state, {columns: 100, rows: 30}, 2000, tally.summary())
    assert.match(frame.live.at(-1)!, /^Total: \S+\/4\.196MB {2}\S+\/s {2}2s {2}42 of 100 pulls per 6 hours left$/)
  })

  it('never writes a line wider than the terminal', () => {
    const {out} = drive(fixture('dockerd-pull-3-layers.jsonl'), 30, 20)
    for (const line of out.bytes.split(/\n|\r/)) {
      const visible = visibleText(line)
      assert.ok(visible.length < 30, JSON.stringify(visible))
    }
  })

  it('hides the cursor while drawing and shows it again', () => {
    const {out} = drive(fixture('dockerd-pull-3-layers.jsonl'), 100, 30)
    assert.ok(out.bytes.startsWith('\u001B[?25l'))
    assert.ok(out.bytes.endsWith('\u001B[?25h'))
  })
})

describe('frameBytes', () => {
  it('rewrites only the lines that changed', () => {
    assert.equal(frameBytes(['a', 'b', 'c'], ['a', 'B', 'c']), '\u001B[2A\r\u001B[2KB\u001B[2B\r')
    assert.equal(frameBytes(['a'], ['a']), '')
  })

  it('appends new lines and erases what is no longer there', () => {
    assert.equal(frameBytes([], ['x', 'y']), '\r\u001B[2Kx\n\u001B[2Ky\n')
    assert.equal(frameBytes(['x', 'y'], ['x']), '\u001B[1A\r\u001B[J')
  })
})
