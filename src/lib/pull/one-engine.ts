// A plan carried out on one engine, as docker does it: plain pulls run together (bounded by --parallel)
// into one view, and a refused one may ask for a login on a terminal; pinned images (checks, content
// trust) are pulled by digest one after the other and tagged, with docker's trusted-pull lines. Several
// engines are fleet.ts's. Each target (image × platform on the engine) is one pullTarget call: its own
// retries and stall watchdog; when it ends, platforms.ts finds which platform manifest it got. A name
// pulled at several platforms shows one row per platform and ends with one result line and one result.
import {authLookup} from '../cli/auth-lookup.js'
import type {Cli, NamedEngine} from '../cli/context.js'
import {cancelledBy, DkrError, isCancelled} from '../errors.js'
import {loginInteractively} from '../login/run-login.js'
import {apiTag, defaultTag, familiarString, fullName, referenceString} from '../reference/format.js'
import {boundedAll} from '../io/bounded.js'
import {defaults} from '../preferences/preferences.js'
import {isRefusal} from '../registry/refusal.js'
import {PlainDisplay, QuietDisplay, TtyDisplay, type PullDisplay} from './display.js'
import {pullPinned} from './pinned-pull.js'
import type {PlannedImage, PullPlan} from './plan.js'
import {mergeOutcomes, platformPulled, platformReportWanted, requireMultiPlatformStore} from './platforms.js'
import {showRemainingPulls} from './remaining-pulls.js'
import {failedOutcome, liveView, pullTotals, tallied, type ExecuteOptions, type PullOutcome, type PullResult} from './result.js'
import {pullTarget} from './target-pull.js'

/** One image (at one platform) pulled as one line of the view. */
interface Row {
  image: PlannedImage
  platform?: string
  /** A step of a larger pull (a pinned digest, one of several platforms): its result line is left to the caller. */
  quietResult?: boolean
  /** What the row is called where several are shown at once: the name, and its platform when it has several. */
  label?: string
}

function chooseDisplay(cli: Cli, options: ExecuteOptions, rows: Row[]): PullDisplay {
  const {out} = cli.streams
  if (options.quiet || options.json) return new QuietDisplay(out, cli.streams.err, !options.json)
  const several = rows.length > 1
  if (liveView(cli, options)) return new TtyDisplay(out, {now: cli.now, titles: rows.map((r) => (several ? `Pulling ${r.label ?? familiarString(r.image.ref)}` : undefined))})
  return new PlainDisplay(out, rows.map((r) => (several ? `${r.label ?? familiarString(r.image.ref)}: ` : '')), cli.now)
}

/** imagePull and its rendering for one row. Throws the pull's error; the caller decides how to report it. */
async function pullRow(cli: Cli, engine: NamedEngine, display: PullDisplay, index: number, row: Row, options: ExecuteOptions, plan: PullPlan): Promise<PullResult> {
  const started = cli.now()
  const {image} = row
  if (image.defaultTagUsed) display.note(index, 'info', `Using default tag: ${defaultTag}`)
  const auth = await plan.auth(image.info.authKey)
  const {attempts, tally} = await pullTarget(cli, {
    auth,
    engine: engine.client,
    image,
    onMessage: (message) => display.message(index, message),
    onRetry: (line) => display.note(index, 'retry', line),
    request: {fromImage: fullName(image.ref), platform: row.platform, tag: options.all ? undefined : apiTag(image.ref)},
    options,
    what: familiarString(image.ref),
  })
  // Which manifest of an index the engine got (docker prints only the index's digest); -q does not show it.
  const pulled = platformReportWanted(cli, options) ? await platformPulled(cli, engine.client, image.ref, image.info, auth, row.platform) : undefined
  if (cli.signal.aborted) throw cancelledBy(cli.signal)
  if (pulled) display.note(index, 'info', `Platform ${pulled.manifest.platform}: ${pulled.manifest.digest}`)
  if (!row.quietResult) display.note(index, 'result', image.result)
  display.finish(index)
  return {
    ...tallied(tally, attempts),
    digest: tally.digest ?? pulled?.index ?? image.ref.digest,
    durationMs: cli.now() - started,
    reference: image.result,
    ...(pulled ? {platforms: [pulled.manifest]} : {}),
  }
}

/** One pass over `rows` into one display. Per-row failures are outcomes; only cancellation throws. */
async function pullRound(cli: Cli, engine: NamedEngine, options: ExecuteOptions, plan: PullPlan, rows: Row[]): Promise<PullOutcome[]> {
  const display = chooseDisplay(cli, options, rows)
  const dropAside = options.rateLimit && display instanceof TtyDisplay ? showRemainingPulls(cli, display, rows[0].image, plan.auth) : undefined
  const spinner = !options.quiet && !options.json && cli.streams.err.isTTY ? await cli.spinner(`Resolving ${rows.map((r) => familiarString(r.image.ref)).join(', ')}`) : undefined
  const stopSpinner = () => spinner?.stop()
  const spinnerAwareDisplay: PullDisplay = {
    abandon: () => display.abandon(),
    aside: (text) => display.aside(text),
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
    // Before the view closes: an answer arriving later must not draw on a released terminal.
    dropAside?.()
    display.close()
    return outcomes
  } catch (error) {
    stopSpinner()
    dropAside?.()
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
  // With several platforms the name's result line comes once, after all of them (executeOnEngine).
  const resultLine = !plan.severalPlatforms
  const started = cli.now()
  const {out} = cli.streams
  // -q prints exactly the reference (`ref=$(dkr pull -q …)`), --json only the document: the pinned
  // pulls' `Pull (1 of 1)` and `Tagging` lines go to progress output alone.
  const sink = {...out, write: () => true}
  const lines = options.json ? sink : out
  const pinnedLines = {err: options.quiet ? sink : cli.streams.err, out: options.json || options.quiet ? sink : out}
  const {pins = [], refused = [], verification} = image
  try {
    if (image.error) throw image.error
    const pulled: PullResult[] = []
    await pullPinned(cli, engine.client, pinnedLines, image.ref, pins, async ({ref}) => {
      const [outcome] = await pullRound(cli, engine, {...options, all: false}, plan, [{image: {...image, defaultTagUsed: false, ref, result: referenceString(ref)}, platform, quietResult: true}])
      if (outcome.error) throw outcome.error
      pulled.push(outcome.result)
    })
    if (refused.length > 0) throw new DkrError(refused.join('\n'))
    if (resultLine) lines.write(`${image.result}\n`)
    const digest = pins.length === 1 ? pins[0].digest : undefined
    const platforms = pulled.flatMap((r) => r.platforms ?? [])
    return {result: {...pullTotals(pulled), digest, durationMs: cli.now() - started, reference: image.result, verification, ...(platforms.length > 0 ? {platforms} : {})}}
  } catch (error) {
    if (isCancelled(error) || cli.signal.aborted) throw cli.signal.aborted ? cancelledBy(cli.signal) : error
    return failedOutcome(cli, image, started, error as Error)
  }
}

/** The plan on one engine, with docker's output. */
export async function executeOnEngine(cli: Cli, plan: PullPlan, options: ExecuteOptions): Promise<PullOutcome[]> {
  const [engine] = plan.engines
  if (plan.severalPlatforms) await requireMultiPlatformStore(engine.client, cli.signal)
  if (!plan.pinned) {
    const planned = plan.images.filter((image) => image.error === undefined)
    // A name's platforms are pulled side by side: its result line comes once, when all of them are done.
    const rows: Row[] = planned.flatMap((image) => image.platforms.map((platform) => (plan.severalPlatforms ? {image, label: `${familiarString(image.ref)} (${platform})`, platform, quietResult: true} : {image, platform})))
    let outcomes = await pullRound(cli, engine, options, plan, rows)
    if (canPromptForLogin(cli, options)) outcomes = await loginAndRetry(cli, engine, options, plan, rows, outcomes)
    const pulled = planned.map((image) => mergeOutcomes(outcomes.filter((_, i) => rows[i].image === image)))
    if (plan.severalPlatforms && !options.json) planned.forEach((image, i) => pulled[i].error || cli.streams.out.write(`${image.result}\n`))
    // A name the plan could not resolve (--all-platforms asks the registry) fails in its place.
    return plan.images.map((image) => (image.error ? failedOutcome(cli, image, cli.now(), image.error) : pulled[planned.indexOf(image)]))
  }

  const outcomes: PullOutcome[] = []
  for (const image of plan.images) {
    const perPlatform: PullOutcome[] = []
    for (const platform of image.platforms) {
      if (image.error || image.pins !== undefined) {
        perPlatform.push(await pullPinnedImage(cli, engine, options, plan, image, platform))
        continue
      }

      // Checks that accept anything: the name is pulled as it is.
      const [outcome] = await pullRound(cli, engine, options, plan, [{image, platform, quietResult: plan.severalPlatforms}])
      perPlatform.push({...outcome, result: {...outcome.result, verification: image.verification}})
    }

    const merged = mergeOutcomes(perPlatform)
    if (plan.severalPlatforms && !options.json && !merged.error) cli.streams.out.write(`${image.result}\n`)
    outcomes.push(merged)
  }

  return outcomes
}
