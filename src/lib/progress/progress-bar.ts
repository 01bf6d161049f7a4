// JSONProgress.String: the text after a layer's status, shaped by the terminal width as docker does it
// (the 50-step bar only above 110 columns, the time left only above 50).
import {durationString, humanSize} from '../io/human-size.js'
import type {ProgressDetail} from './json-message.js'

const pad8 = (text: string) => text.padStart(8)

export function progressString(detail: ProgressDetail, width: number, nowSeconds: number): string {
  const current = detail.current ?? 0
  const total = detail.total ?? 0
  if (current <= 0 && total <= 0) return ''
  if (total <= 0) return detail.units ? `${current} ${detail.units}` : pad8(humanSize(current))

  // Clamped at both ends: an engine reporting a negative current must not break the bar (docker's would panic).
  const steps = Math.max(0, Math.min(Math.trunc(Math.trunc((current / total) * 100) / 2), 50))
  const bar = width > 110 ? `[${'='.repeat(steps)}>${' '.repeat(50 - steps)}] ` : ''
  let numbers = ''
  if (!detail.hidecounts) {
    if (detail.units) numbers = current > total ? `${current} ${detail.units}` : `${current}/${total} ${detail.units}`
    else numbers = current > total ? pad8(humanSize(current)) : `${pad8(humanSize(current))}/${humanSize(total)}`
  }

  let timeLeft = ''
  if (current > 0 && detail.start && detail.start > 0 && steps < 50 && width > 50) {
    const perUnit = (nowSeconds - detail.start) / current
    timeLeft = ` ${durationString((total - current) * perUnit)}`
  }

  return bar + numbers + timeLeft
}

/** Whether progressString(detail, 0, …) prints anything (docker drops such messages without a terminal), without formatting it. */
export function hasPlainProgress(detail: ProgressDetail): boolean {
  const current = detail.current ?? 0
  const total = detail.total ?? 0
  if (current <= 0 && total <= 0) return false
  return total <= 0 || !detail.hidecounts
}
