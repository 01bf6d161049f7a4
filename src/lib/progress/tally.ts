// What a pull has moved so far, summed over its layers: for the total line, the periodic plain-log
// progress and the --json result.
import type {JsonMessage} from './json-message.js'

export interface LayerTally {
  current: number
  total: number
  done: boolean
  existed: boolean
}

const finished = new Set(['Pull complete', 'Already exists'])

/**
 * One pull's running sums, fed message by message. An accumulator, not a value: it is updated in place,
 * because copying per-layer state for each of tens of thousands of progress messages cost more CPU than
 * everything else a pull does (see bench/render.ts).
 */
export class Tally {
  private readonly layers = new Map<string, LayerTally>()
  digest?: string
  /** `Downloaded newer image` or `Image is up to date`, from the engine's Status line. */
  upToDate?: boolean

  add(message: JsonMessage): void {
    const status = message.status ?? ''
    if (!message.id) {
      if (status.startsWith('Digest: ')) this.digest = status.slice(8)
      else if (status.startsWith('Status: ')) this.upToDate = status.startsWith('Status: Image is up to date')
      return
    }

    if (message.progressDetail === undefined) return
    let layer = this.layers.get(message.id)
    if (!layer) {
      layer = {current: 0, done: false, existed: false, total: 0}
      this.layers.set(message.id, layer)
    }

    const detail = message.progressDetail
    if (status === 'Downloading' && detail.total) {
      layer.total = detail.total
      layer.current = Math.min(detail.current ?? 0, detail.total)
    } else if (status === 'Download complete' || status === 'Verifying Checksum') {
      layer.current = layer.total
    } else if (finished.has(status)) {
      layer.current = layer.total
      layer.done = true
      // The containerd image store follows `Already exists` with `Pull complete` for the same layer.
      layer.existed ||= status === 'Already exists'
    }
  }

  summary(): TallySummary {
    let downloaded = 0
    let total = 0
    let layersDone = 0
    let unsized = 0
    for (const layer of this.layers.values()) {
      downloaded += layer.current
      total += layer.total
      if (layer.done) layersDone += 1
      if (layer.done && !layer.existed && layer.total === 0) unsized += 1
    }

    return {downloaded, layers: this.layers.size, layersDone, total, unsized}
  }
}

export interface TallySummary {
  downloaded: number
  total: number
  layers: number
  layersDone: number
  /**
   * Layers downloaded without the engine ever saying how large they were: the containerd image store
   * sends no `Downloading` line for a blob that arrives quickly (its `Download complete` carries
   * `hidecounts`), so `downloaded` leaves those bytes out.
   */
  unsized: number
}
