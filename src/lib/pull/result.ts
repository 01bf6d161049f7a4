// What carrying out a plan yields: one result per target (image × engine), and the options execution
// reads. Shared by the one-engine execution (docker's output) and the fleet's.
import type {Cli} from '../cli/context.js'
import type {Tally} from '../progress/tally.js'
import type {ImageVerification} from './image-check.js'
import {attemptsOf} from './retry.js'

export interface ExecuteOptions {
  all: boolean
  quiet: boolean
  /** Print one machine-readable result instead of progress. */
  json: boolean
  /** The progress preference, when neither -q nor --json chose: auto, a live view, or plain lines. */
  progress: 'auto' | 'plain' | 'tty'
  /** How many targets are pulled at once (names on one engine, image × engine on several); unset: each execution's default. */
  parallel?: number
  /** Attempts after a failed one that may get better (--retry); 0 is docker's behaviour. */
  retries: number
  /** A fixed delay between attempts (--retry-delay); without it 2 s, doubling. */
  retryDelayMs?: number
  /** Abort an attempt that brings no new bytes or status for this long (--stall-timeout); 0: never. */
  stallTimeoutMs: number
  /** On several engines: how long each may take to answer before it counts as down (default 10 s). */
  connectTimeoutMs?: number
  /** Show the registry's remaining pulls on a live view's total line (the rateLimit preference; one engine). */
  rateLimit?: boolean
}

export interface PlatformDigest {
  /** `os/arch[/variant]`, as --platform names it. */
  platform: string
  digest: string
}

/** `pulled`: the engine did not say whether anything new came (podman sends no `Status:` line). */
export type PullStatus = 'downloaded' | 'failed' | 'pulled' | 'up to date'

export interface PullResult {
  reference: string
  /** With several engines: the engine (its context's name, or its host) this result is for. */
  engine?: string
  digest?: string
  status: PullStatus
  /** What the engine reported downloading; see `unsizedLayers` for what it did not. */
  bytes: number
  /** Layers downloaded whose size the engine never reported (not in `bytes`); absent when none. */
  unsizedLayers?: number
  durationMs: number
  /** How many times the engine was asked to pull (more than 1 after retries). */
  attempts: number
  error?: string
  /** With a signature policy or notation: whether and how each image was verified, per check. */
  verification?: ImageVerification[]
  /** When the name is an index: the manifest each platform pulled got (the index digest is `digest`). */
  platforms?: PlatformDigest[]
}

/** What the engine's last Status line said: podman sends none (`pulled`). */
function statusOf(tally: Tally): PullStatus {
  return tally.upToDate === undefined ? 'pulled' : tally.upToDate ? 'up to date' : 'downloaded'
}

/** What one engine pull's stream says of it: the bytes it reported, the layers it never sized, its status. */
export function tallied(tally: Tally, attempts: number): Pick<PullResult, 'attempts' | 'bytes' | 'status' | 'unsizedLayers'> {
  const {downloaded, unsized} = tally.summary()
  return {attempts, bytes: downloaded, status: statusOf(tally), ...(unsized > 0 ? {unsizedLayers: unsized} : {})}
}

/** Whether progress is drawn as a live view: asked for, or a terminal that is not dumb. */
export function liveView(cli: Cli, options: ExecuteOptions): boolean {
  return options.progress === 'tty' || (options.progress === 'auto' && cli.streams.out.isTTY && cli.streams.env.TERM !== 'dumb')
}

/** The strongest of several pulls' statuses (a pinned image's digests): anything downloaded, else unknown, else up to date. */
function strongestStatus(statuses: readonly PullStatus[]): PullStatus {
  return (['downloaded', 'pulled'] as const).find((s) => statuses.includes(s)) ?? 'up to date'
}

/**
 * What several pulls of one image add up to (its pinned digests, its platforms): the most attempts any
 * took, the bytes and unsized layers summed, the strongest status.
 */
export function pullTotals(pulled: readonly PullResult[]): Pick<PullResult, 'attempts' | 'bytes' | 'status' | 'unsizedLayers'> {
  const unsized = pulled.reduce((sum, r) => sum + (r.unsizedLayers ?? 0), 0)
  return {
    attempts: Math.max(1, ...pulled.map((r) => r.attempts)),
    bytes: pulled.reduce((sum, r) => sum + r.bytes, 0),
    status: strongestStatus(pulled.map((r) => r.status)),
    ...(unsized > 0 ? {unsizedLayers: unsized} : {}),
  }
}

export interface PullOutcome {
  result: PullResult
  /** The failure itself, kept for the single-name case, which fails with exactly this error. */
  error?: Error
}

/** A target that failed: its error kept for the single-name case, and its line in the results. */
export function failedOutcome(cli: Cli, image: {result: string}, started: number, error: Error, engine?: string): PullOutcome {
  return {error, result: {attempts: attemptsOf(error), bytes: 0, durationMs: cli.now() - started, ...(engine === undefined ? {} : {engine}), error: error.message, reference: image.result, status: 'failed'}}
}
