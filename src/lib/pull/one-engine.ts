// A plan carried out on one engine, as docker does it: plain pulls run together (bounded by --parallel)
// into one view, and a refused one may ask for a login on a terminal; pinned images (checks, content
// trust) are pulled by digest one after the other and tagged, with docker's trusted-pull lines. Several
// engines are fleet.ts's. Each target (image × platform on the engine) is one pullTarget call: its own
// retries and stall watchdog.
import {authLookup} from '../cli/auth-lookup.js'
import type {Cli, NamedEngine} from '../cli/context.js'
import {encodeRegistryAuth} from '../credentials/auth-config.js'
import {cancelledBy, DkrError, isCancelled} from '../errors.js'
import {loginInteractively} from '../login/run-login.js'
import {apiTag, defaultTag, familiarString, fullName, referenceString} from '../reference/format.js'
import {boundedAll} from '../io/bounded.js'
import {defaults} from '../preferences/preferences.js'
import {isRefusal} from '../registry/refusal.js'
import {PlainDisplay, QuietDisplay, TtyDisplay, type PullDisplay} from './display.js'
import {pullPinned} from './pinned-pull.js'
import type {PlannedImage, PullPlan} from './plan.js'
import {failedOutcome, statusOf, strongestStatus, type ExecuteOptions, type PullOutcome, type PullResult} from './result.js'
import {pullTarget} from './target-pull.js'

/** One image (at one platform) pulled as one line of the view. */
interface Row {
  image: PlannedImage
  platform?: string
  /** A step of a larger pull (a pinned digest): its result line is left to the caller. */
  quietResult?: boolean
}

function chooseDisplay(cli: Cli, options: ExecuteOptions, rows: Row[]): PullDisplay {
  const {out} = cli.streams
  if (options.quiet || options.json) return new QuietDisplay(out, cli.streams.err, !options.json)
  const several = rows.length > 1
  const live = options.progress === 'tty' || (options.progress === 'auto' && out.isTTY && cli.streams.env.TERM !== 'dumb')
  if (live) return new TtyDisplay(out, {now: cli.now, titles: rows.map((r) => (several ? `Pulling ${familiarString(r.image.ref)}` : undefined))})
  return new PlainDisplay(out, rows.map((r) => (several ? `${familiarString(r.image.ref)}: ` : '')), cli.now)
}

/** imagePull and its rendering for one row. Throws the pull's error; the caller decides how to report it. */
async function pullRow(cli: Cli, engine: NamedEngine, display: PullDisplay, index: number, row: Row, options: ExecuteOptions, plan: PullPlan): Promise<PullResult> {
  const started = cli.now()
  const {image} = row
  if (image.defaultTagUsed) display.note(index, 'info', `Using default tag: ${defaultTag}`)
  const request = {fromImage: fullName(image.ref), platform: row.platform, registryAuth: encodeRegistryAuth(await plan.auth(image.info.authKey)), tag: options.all ? undefined : apiTag(image.ref)}
  const {attempts, tally} = await pullTarget({
    engine: engine.client,
    onMessage: (message) => display.message(index, message),
    onRetry: (line) => display.note(index, 'retry', line),
    request,
    retries: options.retries,
    retryDelayMs: options.retryDelayMs,
    signal: cli.signal,
    stallTimeoutMs: options.stallTimeoutMs,
    what: familiarString(image.ref),
  })
  if (cli.signal.aborted) throw cancelledBy(cli.signal)
  if (!row.quietResult) display.note(index, 'result', image.result)
  display.finish(index)
  const {downloaded, unsized} = tally.summary()
  return {
    attempts,
    bytes: downloaded,
    digest: tally.digest ?? image.ref.digest,
    durationMs: cli.now() - started,
    reference: image.result,
    status: statusOf(tally),
    ...(unsized > 0 ? {unsizedLayers: unsized} : {}),
  }
}

/** One pass over `rows` into one display. Per-row failures are outcomes; only cancellation throws. */
async function pullRound(cli: Cli, engine: NamedEngine, options: ExecuteOptions, plan: PullPlan, rows: Row[]): Promise<PullOutcome[]> {
  const display = chooseDisplay(cli, options, rows)
  const spinner = !options.quiet && !options.json && cli.streams.err.isTTY ? await cli.spinner(`Resolving ${rows.map((r) => familiarString(r.image.ref)).join(', ')}`) : undefined
  const stopSpinner = () => spinner?.stop()
  const spinnerAwareDisplay: PullDisplay = {
    abandon: () => display.abandon(),
    close: () => display.close(),
    finish: (i) => display.finish(i),
    message(i, m) {
      stopSpinner()
      display.message(i, m)
    },
    note(i, kind, text) {
      stopSpinner()
      display.note(i, kind, text)
    },
  }

  try {
    const outcomes = await boundedAll(rows.length, options.parallel ?? defaults.parallel, async (index): Promise<PullOutcome> => {
      const started = cli.now()
      try {
        return {result: await pullRow(cli, engine, spinnerAwareDisplay, index, rows[index], options, plan)}
      } catch (error) {
        if (isCancelled(error) || cli.signal.aborted) throw error
        spinnerAwareDisplay.finish(index)
        return failedOutcome(cli, rows[index].image, started, error as Error)
      }
    })
    stopSpinner()
    display.close()
    return outcomes
  } catch (error) {
    stopSpinner()
    display.abandon()
    throw cli.signal.aborted ? cancelledBy(cli.signal) : error
  }
}

/** Whether a refused pull may ask for a login: a person at a terminal, not a script and not -q/--json. */
function canPromptForLogin(cli: Cli, options: ExecuteOptions): boolean {
  return cli.streams.out.isTTY && cli.streams.in.isTTY && !options.quiet && !options.json
}

export function refusedKey(image: PlannedImage, outcome: PullOutcome): string | undefined {
  return outcome.error && isRefusal(outcome.error) ? image.info.authKey : undefined
}

/**
 * On a terminal, each registry that refused a pull gets one interactive login, then its names are pulled
 * once more. docker v28 prompted for Docker Hub whatever the registry; dkr asks for the refusing one.
 */
async function loginAndRetry(cli: Cli, engine: NamedEngine, options: ExecuteOptions, plan: PullPlan, rows: Row[], outcomes: PullOutcome[]): Promise<PullOutcome[]> {
  const refused = rows.map((row, i) => refusedKey(row.image, outcomes[i]))
  const keys = [...new Set(refused.filter((key) => key !== undefined))]
  if (keys.length === 0) return outcomes
  const loggedIn = new Set<string>()
  for (const key of keys) {
    const names = rows.filter((_, i) => refused[i] === key).map((r) => familiarString(r.image.ref))
    cli.streams.err.write(`${names.join(', ')}: ${outcomes[refused.indexOf(key)].error!.message}\n`)
    cli.streams.out.write(`\nLogin prior to pull:\n`)
    try {
      cli.streams.out.write(`${await loginInteractively(cli, key)}\n`)
      loggedIn.add(key)
    } catch (error) {
      if (isCancelled(error)) throw error
      cli.streams.err.write(`${(error as Error).message}\n`)
    }
  }

  const retry = rows.flatMap((_, i) => (refused[i] !== undefined && loggedIn.has(refused[i]) ? [i] : []))
  if (retry.length === 0) return outcomes
  // Credentials are looked up again: the login has just stored new ones.
  const again = await pullRound(cli, engine, options, {...plan, auth: authLookup(cli, await cli.loadConfig())}, retry.map((i) => rows[i]))
  const merged = [...outcomes]
  retry.forEach((rowIndex, j) => (merged[rowIndex] = again[j]))
  return merged
}

/** A pinned image on one engine: each digest pulled and tagged as docker's trusted pull does, its statuses summed. */
async function pullPinnedImage(cli: Cli, engine: NamedEngine, options: ExecuteOptions, plan: PullPlan, image: PlannedImage, platform: string | undefined): Promise<PullOutcome> {
  const started = cli.now()
  const {out} = cli.streams
  const lines = options.json ? {...out, write: () => true} : out
  const {pins = [], refused = [], verification} = image
  try {
    if (image.error) throw image.error
    const pulled: PullResult[] = []
    await pullPinned(cli, engine.client, lines, image.ref, pins, async ({ref}) => {
      const [outcome] = await pullRound(cli, engine, {...options, all: false}, plan, [{image: {...image, defaultTagUsed: false, ref, result: referenceString(ref)}, platform, quietResult: true}])
      if (outcome.error) throw outcome.error
      pulled.push(outcome.result)
    })
    if (refused.length > 0) throw new DkrError(refused.join('\n'))
    lines.write(`${image.result}\n`)
    const status = strongestStatus(pulled.map((r) => r.status))
    const digest = pins.length === 1 ? pins[0].digest : undefined
    const unsized = pulled.reduce((sum, r) => sum + (r.unsizedLayers ?? 0), 0)
    return {result: {attempts: Math.max(1, ...pulled.map((r) => r.attempts)), bytes: pulled.reduce((sum, r) => sum + r.bytes, 0), digest, durationMs: cli.now() - started, reference: image.result, status, verification, ...(unsized > 0 ? {unsizedLayers: unsized} : {})}}
  } catch (error) {
    if (isCancelled(error) || cli.signal.aborted) throw cli.signal.aborted ? cancelledBy(cli.signal) : error
    return failedOutcome(cli, image, started, error as Error)
  }
}

/** The plan on one engine, with docker's output. */
export async function executeOnEngine(cli: Cli, plan: PullPlan, options: ExecuteOptions): Promise<PullOutcome[]> {
  const [engine] = plan.engines
  if (!plan.pinned) {
    const rows = plan.images.flatMap((image) => image.platforms.map((platform) => ({image, platform})))
    const outcomes = await pullRound(cli, engine, options, plan, rows)
    return canPromptForLogin(cli, options) ? loginAndRetry(cli, engine, options, plan, rows, outcomes) : outcomes
  }

  const outcomes: PullOutcome[] = []
  for (const image of plan.images) {
    for (const platform of image.platforms) {
      if (image.error || image.pins !== undefined) {
        outcomes.push(await pullPinnedImage(cli, engine, options, plan, image, platform))
        continue
      }

      // Checks that accept anything: the name is pulled as it is.
      const [outcome] = await pullRound(cli, engine, options, plan, [{image, platform}])
      outcomes.push({...outcome, result: {...outcome.result, verification: image.verification}})
    }
  }

  return outcomes
}
