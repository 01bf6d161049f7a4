// The terminal view of one pull on many engines, as a pure state machine: phase changes and byte counts
// go in, frames come out (tty-view.ts's Frame: lines committed once, live lines redrawn in place). One
// line per target still working (its phase, bytes and rate), then a count of the finished ones and a
// total line. Finished targets collapse into that count, failed ones are committed above the live part
// (so they stay on screen and never scroll away in the redraws), and the live part is capped below the
// screen height whatever the number of engines.
import {durationString, humanSize} from '../io/human-size.js'
import type {Frame, ScreenSize} from './tty-view.js'

export type TargetPhase = 'connecting' | 'done' | 'failed' | 'pulling' | 'retrying' | 'tagging' | 'waiting'

export interface FleetRow {
  readonly label: string
  readonly phase: TargetPhase
  /** Why it failed, or what it waits for (a retry line). */
  readonly detail?: string
  readonly downloaded: number
  readonly total: number
  /** When it left `waiting`: its rate is counted from here. */
  readonly startedAt?: number
}

export interface FleetViewState {
  readonly rows: readonly FleetRow[]
  readonly startedAt: number
  /** Lines to commit on the next frame (failures). */
  readonly pending: readonly string[]
}

/** Bytes a target has moved, as its tally sums them. */
export interface TargetBytes {
  downloaded: number
  total: number
}

export function newFleetView(labels: readonly string[], now: number): FleetViewState {
  return {pending: [], rows: labels.map((label) => ({downloaded: 0, label, phase: 'waiting', total: 0})), startedAt: now}
}

const finished = new Set<TargetPhase>(['done', 'failed'])

/** A target moves to `phase`; a failure is committed as one line naming the target and why. */
export function setPhase(state: FleetViewState, index: number, phase: TargetPhase, now: number, detail?: string): FleetViewState {
  const row = state.rows[index]
  if (finished.has(row.phase)) return state
  const rows = state.rows.slice()
  rows[index] = {...row, detail, phase, startedAt: row.startedAt ?? (phase === 'waiting' ? undefined : now)}
  const pending = phase === 'failed' ? [...state.pending, `${row.label}: failed: ${detail ?? ''}`] : state.pending
  return {...state, pending, rows}
}

/** The targets' byte counts as of now (read from their tallies once per frame, not per message). */
export function setBytes(state: FleetViewState, bytes: readonly TargetBytes[]): FleetViewState {
  const rows = state.rows.map((row, i) => (row.downloaded === bytes[i].downloaded && row.total === bytes[i].total ? row : {...row, ...bytes[i]}))
  return {...state, rows}
}

function rate(downloaded: number, since: number | undefined, now: number): string {
  const seconds = since === undefined ? 0 : (now - since) / 1000
  return seconds > 0 && downloaded > 0 ? `${humanSize(downloaded / seconds)}/s` : ''
}

function rowText(row: FleetRow, width: number, now: number): string {
  const bytes = row.total > 0 ? `${humanSize(row.downloaded)}/${humanSize(row.total)}` : row.downloaded > 0 ? humanSize(row.downloaded) : ''
  // A long label (a host's socket path) keeps its end, where hosts differ.
  const label = row.label.length > width ? `…${row.label.slice(row.label.length - width + 1)}` : row.label.padEnd(width)
  const parts = [label, row.phase.padEnd(10), bytes.padEnd(19), rate(row.downloaded, row.startedAt, now)]
  if (row.phase === 'retrying' && row.detail) parts.push(row.detail)
  return parts.join(' ').trimEnd()
}

/** Lines never wrap: a wrapped line would break the cursor arithmetic of the next frame. */
function fit(text: string, columns: number): string {
  return columns > 1 && text.length > columns - 1 ? text.slice(0, columns - 1) : text
}

function countLine(rows: readonly FleetRow[]): string {
  const count = (phase: TargetPhase) => rows.filter((row) => row.phase === phase).length
  const done = count('done')
  const failed = count('failed')
  const waiting = count('waiting')
  const active = rows.length - done - failed - waiting
  const parts = [`${done} done`, ...(failed > 0 ? [`${failed} failed`] : []), `${active} pulling`, ...(waiting > 0 ? [`${waiting} waiting`] : [])]
  return `${parts.join(', ')} (of ${rows.length})`
}

/**
 * Draws the state: pending lines go to `commit` (and out of the state), the rest is `live`: the targets
 * still working, as many as fit, then the count of the others and the total.
 */
export function takeFleetFrame(state: FleetViewState, size: ScreenSize, now: number): [Frame, FleetViewState] {
  const commit = state.pending.map((line) => fit(line, size.columns))
  const next: FleetViewState = {...state, pending: []}
  const working = state.rows.filter((row) => !finished.has(row.phase) && row.phase !== 'waiting')
  const width = Math.min(32, Math.max(0, ...working.map((row) => row.label.length)))
  const downloaded = state.rows.reduce((sum, row) => sum + row.downloaded, 0)
  const total = state.rows.reduce((sum, row) => sum + row.total, 0)
  const seconds = (now - state.startedAt) / 1000
  const totalLine = `Total: ${humanSize(downloaded)}${total > 0 ? `/${humanSize(total)}` : ''}  ${rate(downloaded, state.startedAt, now)}  ${durationString(seconds)}`
  const room = Math.max(0, size.rows - 4)
  const shown = working.length > room ? working.slice(0, Math.max(0, room - 1)) : working
  const live = shown.map((row) => fit(rowText(row, width, now), size.columns))
  if (shown.length < working.length) live.push(`… ${working.length - shown.length} more pulling`)
  live.push(fit(countLine(state.rows), size.columns), fit(totalLine, size.columns))
  return [{commit, live}, next]
}
