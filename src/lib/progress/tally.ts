// What a pull has moved so far, summed over its layers: for the total line, the periodic plain-log
// progress and the --json result. Pure: a tally in, a message, a tally out.
import type {JsonMessage} from './json-message.js'

export interface LayerTally {
  current: number
  total: number
  done: boolean
  existed: boolean
}

export interface PullTally {
  readonly layers: ReadonlyMap<string, LayerTally>
  digest?: string
  /** `Downloaded newer image` or `Image is up to date`, from the engine's Status line. */
  upToDate?: boolean
}

export const emptyTally: PullTally = {layers: new Map()}

const finished = new Set(['Pull complete', 'Already exists'])

export function tallyMessage(tally: PullTally, message: JsonMessage): PullTally {
  const status = message.status ?? ''
  if (!message.id) {
    if (status.startsWith('Digest: ')) return {...tally, digest: status.slice(8)}
    if (status.startsWith('Status: ')) return {...tally, upToDate: status.startsWith('Status: Image is up to date')}
    return tally
  }

  if (message.progressDetail === undefined) return tally
  const layers = new Map(tally.layers)
  const layer = {...(layers.get(message.id) ?? {current: 0, done: false, existed: false, total: 0})}
  const detail = message.progressDetail
  if (status === 'Downloading' && detail.total) {
    layer.total = detail.total
    layer.current = Math.min(detail.current ?? 0, detail.total)
  } else if (status === 'Download complete' || status === 'Verifying Checksum') {
    layer.current = layer.total
  } else if (finished.has(status)) {
    layer.current = layer.total
    layer.done = true
    layer.existed = status === 'Already exists'
  }

  layers.set(message.id, layer)
  return {...tally, layers}
}

export interface TallySummary {
  downloaded: number
  total: number
  layers: number
  layersDone: number
}

export function summarize(tally: PullTally): TallySummary {
  let downloaded = 0
  let total = 0
  let layersDone = 0
  for (const layer of tally.layers.values()) {
    downloaded += layer.current
    total += layer.total
    if (layer.done) layersDone += 1
  }

  return {downloaded, layers: tally.layers.size, layersDone, total}
}
