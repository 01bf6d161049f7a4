// Output for logs and pipes: docker's plain lines (messages that carry progress numbers are dropped),
// then two things docker users asked for: a retry countdown is one line per retry, not one per
// second, and a long pull prints a one-line progress at most every interval so CI logs show life.
import {humanSize} from '../io/human-size.js'
import type {JsonMessage} from './json-message.js'
import {hasPlainProgress} from './progress-bar.js'
import {Tally} from './tally.js'

const retrying = /^Retrying in (\d+) seconds?$/

export interface PlainRendererOptions {
  /** Prepended to every line when several pulls share one log. */
  prefix?: string
  /** Milliseconds between periodic progress lines. */
  progressIntervalMs?: number
}

export class PlainRenderer {
  private readonly tally = new Tally()
  private readonly prefix: string
  private readonly intervalMs: number
  private readonly lastRetry = new Map<string, number>()
  private lastProgressAt: number | undefined

  constructor(options: PlainRendererOptions = {}) {
    this.prefix = options.prefix ?? ''
    this.intervalMs = options.progressIntervalMs ?? 10_000
  }

  /** The lines (without newline) to print for one message received at `now` (ms). */
  push(message: JsonMessage, now: number): string[] {
    this.lastProgressAt ??= now
    this.tally.add(message)
    const lines: string[] = []
    const line = this.lineFor(message)
    if (line !== undefined) lines.push(this.prefix + line)
    if (now - this.lastProgressAt >= this.intervalMs) {
      this.lastProgressAt = now
      const {downloaded, layers, layersDone, total} = this.tally.summary()
      if (total > 0 && layersDone < layers) {
        lines.push(`${this.prefix}Progress: ${humanSize(downloaded)}/${humanSize(total)} downloaded, ${layersDone} of ${layers} layers complete`)
      }
    }

    return lines
  }

  private lineFor(message: JsonMessage): string | undefined {
    if (message.aux !== undefined) return undefined
    // Without a terminal, docker drops whatever renders a progress string.
    if (message.progressDetail && hasPlainProgress(message.progressDetail)) return undefined
    const status = message.status ?? ''
    if (message.id) {
      const countdown = retrying.exec(status)
      const previous = this.lastRetry.get(message.id)
      if (countdown) {
        const seconds = Number(countdown[1])
        this.lastRetry.set(message.id, seconds)
        if (previous !== undefined && seconds < previous) return undefined
      } else {
        this.lastRetry.delete(message.id)
      }
    }

    const id = message.id ? `${message.id}: ` : ''
    const from = message.from ? `(from ${message.from}) ` : ''
    if (message.stream !== undefined) return `${id}${from}${message.stream.replace(/\n$/, '')}`
    if (message.progress) return `${id}${from}${status} ${message.progress}`
    return `${id}${from}${status}`
  }
}
