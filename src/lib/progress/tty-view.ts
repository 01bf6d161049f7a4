// The terminal view of one or more pulls as a pure state machine: messages go in (`applyMessage`),
// frames come out (`takeFrame`): lines to commit to scrollback for good, and the live lines redrawn
// in place. It follows docker's jsonmessage layout (one line per layer id; any other message ends the
// section), and adds what docker lacks: a total line, and a live part that always fits the screen.
import {humanSize, durationString} from '../io/human-size.js'
import {isProgressMessage, type JsonMessage, type ProgressDetail} from './json-message.js'
import {progressString} from './progress-bar.js'
import type {TallySummary} from './tally.js'

/** A line as the engine described it; turned into text only when a frame is drawn (width matters). */
export interface ScreenLine {
  id?: string
  status: string
  detail?: ProgressDetail
  progress?: string
  from?: string
  /** A line dkr wrote itself (titles, summaries), shown as is. */
  text?: string
}

export interface PullView {
  /** Shown above the pull's lines when several pulls share the screen. */
  readonly title?: string
  readonly titleShown: boolean
  /** Lines of this pull not yet committed to scrollback. */
  readonly pending: readonly ScreenLine[]
  /** The current section: one line per layer, updated in place. */
  readonly layers: readonly ScreenLine[]
  readonly finished: boolean
}

export interface TtyViewState {
  readonly pulls: readonly PullView[]
  readonly startedAt: number
  /** dkr's own words at the end of the total line (the registry's remaining pulls), once known. */
  readonly aside?: string
}

export interface ScreenSize {
  columns: number
  rows: number
}

export interface Frame {
  /** Lines written once, above the live part, never redrawn. */
  commit: string[]
  /** Lines redrawn in place on the next frame. */
  live: string[]
}

const doneStatuses = new Set(['Pull complete', 'Already exists'])

export function newView(titles: readonly (string | undefined)[], now: number): TtyViewState {
  return {
    pulls: titles.map((title) => ({finished: false, layers: [], pending: [], title, titleShown: false})),
    startedAt: now,
  }
}

function updatePull(state: TtyViewState, index: number, change: (pull: PullView) => PullView): TtyViewState {
  return {...state, pulls: state.pulls.map((pull, i) => (i === index ? change(pull) : pull))}
}

/** Any message that is not a layer's progress ends the section, as in docker (that is what makes `-a` readable). */
function closeSection(pull: PullView): PullView {
  return pull.layers.length === 0 ? pull : {...pull, layers: [], pending: [...pull.pending, ...pull.layers]}
}

export function applyMessage(state: TtyViewState, index: number, message: JsonMessage): TtyViewState {
  if (message.aux !== undefined) return state
  return updatePull(state, index, (pull) => {
    const line: ScreenLine = {detail: message.progressDetail, from: message.from, id: message.id, progress: message.progress, status: message.status ?? message.stream?.replace(/\n$/, '') ?? ''}
    if (isProgressMessage(message)) {
      // An array of a few dozen lines, copied per message: far cheaper than copying a Map (see bench/render.ts).
      const at = pull.layers.findIndex((layer) => layer.id === message.id)
      const layers = at === -1 ? [...pull.layers, line] : pull.layers.slice()
      if (at !== -1) layers[at] = line
      return {...pull, layers}
    }

    const closed = closeSection(pull)
    return {...closed, pending: [...closed.pending, line]}
  })
}

/** Adds a line dkr writes itself (e.g. `Using default tag: latest`) to a pull's output. */
export function applyNote(state: TtyViewState, index: number, text: string): TtyViewState {
  return updatePull(state, index, (pull) => ({...closeSection(pull), pending: [...closeSection(pull).pending, {status: '', text}]}))
}

/** Text for the end of the total line; it waits there for the next frame. */
export function applyAside(state: TtyViewState, text: string): TtyViewState {
  return {...state, aside: text}
}

export function finishPull(state: TtyViewState, index: number): TtyViewState {
  return updatePull(state, index, (pull) => ({...closeSection(pull), finished: true}))
}

function lineText(line: ScreenLine, width: number, nowSeconds: number): string {
  if (line.text !== undefined) return line.text
  const id = line.id ? `${line.id}: ` : ''
  const from = line.from ? `(from ${line.from}) ` : ''
  if (line.detail !== undefined && line.id) return `${id}${from}${line.status} ${progressString(line.detail, width, nowSeconds)}`
  if (line.progress) return `${id}${from}${line.status} ${line.progress}`
  return `${id}${from}${line.status}`
}

/** Lines never wrap: a wrapped line would break the cursor arithmetic of the next frame. */
function fit(text: string, columns: number): string {
  return columns > 1 && text.length > columns - 1 ? text.slice(0, columns - 1) : text
}

function titleLine(pull: PullView): ScreenLine[] {
  return pull.title === undefined || pull.titleShown ? [] : [{status: '', text: pull.title}]
}

/** A pull's live lines; when space is short, its finished layers fold into one count line. */
function pullLines(pull: PullView, collapse: boolean): ScreenLine[] {
  const lines = [...titleLine(pull), ...pull.pending, ...pull.layers]
  if (!collapse) return lines
  const done = lines.filter((line) => line.text === undefined && doneStatuses.has(line.status))
  if (done.length < 2) return lines
  const firstDone = lines.indexOf(done[0])
  const rest = lines.filter((line) => !done.includes(line))
  return [...rest.slice(0, firstDone), {status: '', text: `${done.length} layers complete`}, ...rest.slice(firstDone)]
}

function totalLine(state: TtyViewState, now: number, progress: Pick<TallySummary, 'downloaded' | 'total'>): string | undefined {
  const {downloaded, total} = progress
  if (total === 0) return undefined
  const seconds = (now - state.startedAt) / 1000
  const speed = seconds > 0 ? `${humanSize(downloaded / seconds)}/s` : ''
  return `Total: ${humanSize(downloaded)}/${humanSize(total)}  ${speed}  ${durationString(seconds)}${state.aside ? `  ${state.aside}` : ''}`
}

/**
 * Draws the state: finished output moves to `commit` (and out of the state), the rest is `live`.
 * The live part is capped below the screen height, first by folding finished layers into one line,
 * then by cutting, so cursor-up can always reach its top (docker leaves frozen lines instead).
 */
export function takeFrame(state: TtyViewState, size: ScreenSize, now: number, progress: Pick<TallySummary, 'downloaded' | 'total'> = {downloaded: 0, total: 0}): [Frame, TtyViewState] {
  const nowSeconds = now / 1000
  const text = (line: ScreenLine) => fit(lineText(line, size.columns, nowSeconds), size.columns)
  const commit: string[] = []
  const pulls = [...state.pulls]

  // The oldest pull owns the top of the live part: its finished lines can go to scrollback now.
  while (pulls.length > 0) {
    const head = pulls[0]
    commit.push(...[...titleLine(head), ...head.pending].map(text))
    if (!head.finished) {
      pulls[0] = {...head, pending: [], titleShown: true}
      break
    }

    pulls.shift()
  }

  const next: TtyViewState = {...state, pulls}
  const total = totalLine(state, now, progress)
  const totalLines = total !== undefined && pulls.length > 0 ? [fit(total, size.columns)] : []
  const liveFor = (collapse: boolean) => pulls.flatMap((pull) => pullLines(pull, collapse).map(text))
  const room = Math.max(1, size.rows - 2 - totalLines.length)
  let live = liveFor(false)
  if (live.length > room) live = liveFor(true)
  if (live.length > room) live = [...live.slice(0, room - 1), `… ${live.length - room + 1} more lines`]
  live.push(...totalLines)
  return [{commit, live}, next]
}
