import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {durationString, humanSize} from '../../../src/lib/io/human-size.js'
import {hasPlainProgress, progressString} from '../../../src/lib/progress/progress-bar.js'

describe('humanSize uses docker\'s decimal units and four significant digits', () => {
  const cases: [number, string][] = [[0, '0B'], [20, '20B'], [999, '999B'], [1000, '1kB'], [36450, '36.45kB'], [98304, '98.3kB'], [1064000, '1.064MB'], [8003000, '8.003MB'], [52428800, '52.43MB'], [3.2e9, '3.2GB']]
  for (const [bytes, text] of cases) it(`${bytes} → ${text}`, () => assert.equal(humanSize(bytes), text))
})

describe('durationString writes Go durations', () => {
  it('formats seconds, minutes and hours', () => {
    assert.equal(durationString(9), '9s')
    assert.equal(durationString(277), '4m37s')
    assert.equal(durationString(3605), '1h0m5s')
  })
})

describe('progressString follows JSONProgress.String', () => {
  it('is empty with no numbers', () => assert.equal(progressString({}, 200, 0), ''))
  it('draws the 50-step bar only above 110 columns', () => {
    assert.equal(progressString({current: 36450, total: 1064000}, 150, 0), `[=>${' '.repeat(49)}]  36.45kB/1.064MB`)
    assert.equal(progressString({current: 36450, total: 1064000}, 80, 0), ' 36.45kB/1.064MB')
  })

  it('shows only the current size when current passes total', () => {
    assert.equal(progressString({current: 20, total: 10}, 150, 0), `[${'='.repeat(50)}>]      20B`)
  })

  it('handles units, hidden counts and unknown totals', () => {
    assert.equal(progressString({current: 3, total: 10, units: 'items'}, 150, 0), `[===============>${' '.repeat(35)}] 3/10 items`)
    assert.equal(progressString({current: 3, total: 10, hidecounts: true}, 150, 0), `[===============>${' '.repeat(35)}] `)
    assert.equal(progressString({current: 98304}, 150, 0), '  98.3kB')
    assert.equal(progressString({current: 3, units: 's'}, 150, 0), '3 s')
  })

  it('estimates time left above 50 columns when the start is known', () => {
    assert.equal(progressString({current: 10, start: 1000, total: 100}, 80, 1030), '     10B/100B 4m30s')
    assert.equal(progressString({current: 10, start: 1000, total: 100}, 40, 1030), '     10B/100B')
  })
})

describe('hasPlainProgress', () => {
  it('says exactly when progressString without a terminal would print something', () => {
    const details = [{}, {current: 0, total: 0}, {current: 5}, {current: 5, units: 'B'}, {current: 5, total: 10}, {current: 5, hidecounts: true, total: 10}, {current: 5, hidecounts: true}, {current: 0, total: 10}, {current: -1, total: -1}, {current: 20, total: 10}]
    for (const detail of details) assert.equal(hasPlainProgress(detail), progressString(detail, 0, 0) !== '', JSON.stringify(detail))
  })
})
