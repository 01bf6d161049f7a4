// docker's runPull, step by step and named as docker names them: parse the normalised name, resolve
// repository info, resolve auth, then imagePull and render. Several names are pulled concurrently
// (bounded) into one view; a refused pull offers a login on a terminal. Everything it touches comes in
// through the Cli context, so tests swap it.
import {cancelledBy, DkrError, isCancelled} from '../errors.js'
import type {Cli} from '../cli/context.js'
import {authLookup, type AuthLookup} from '../cli/auth-lookup.js'
import {encodeRegistryAuth} from '../credentials/auth-config.js'
import {messageError} from '../progress/json-message.js'
import {Tally} from '../progress/tally.js'
import {apiTag, defaultTag, familiarString, fullName, isNameOnly, referenceString, withDefaultTag} from '../reference/format.js'
import {parseNormalizedNamed, type ImageReference} from '../reference/parse.js'
import {loginCommandFor, loginInteractively} from '../login/run-login.js'
import {isRefusal} from '../registry/refusal.js'
import {repositoryInfo, type RepositoryInfo} from '../registry/repository-info.js'
import type {ImageVerification} from './image-check.js'
import {signatureChecks, verifiedPulls, type VerifiedPulls} from './signed-pull.js'
import {signedTargets} from './trusted-pull.js'
import {PlainDisplay, QuietDisplay, TtyDisplay, type PullDisplay} from './display.js'
import {pullPinned} from './pinned-pull.js'
import {attemptsOf, retryLine, withRetries, type RetryNotice} from './retry.js'
import {watchStalls} from './stall-watchdog.js'

export interface PullOptions {
  remotes: string[]
  all: boolean
  quiet: boolean
  platform?: string
  /** Content trust: resolve tags through Notary (the preference, unless --disable-content-trust). */
  trusted: boolean
  /** The progress preference, when neither -q nor --json chose: auto, a live view, or plain lines. */
  progress: 'auto' | 'plain' | 'tty'
  /** Print one machine-readable result instead of progress. */
  json: boolean
  /** How many names are pulled at once. */
  parallel: number
  /** Attempts after a failed one that may get better (--retry); 0 is docker's behaviour. */
  retries: number
  /** A fixed delay between attempts (--retry-delay); without it 2 s, doubling. */
  retryDelayMs?: number
  /** Abort an attempt that brings no new bytes or status for this long (--stall-timeout); 0: never. */
  stallTimeoutMs: number
  /** A containers-policy.json file: signatures are verified before the engine pulls (wins over content trust). */
  signaturePolicy?: string
  /** A notation configuration directory: Notary Project signatures are verified by its trust policy too. */
  notationConfig?: string
}

/** `pulled`: the engine did not say whether anything new came (podman sends no `Status:` line). */
export type PullStatus = 'downloaded' | 'failed' | 'pulled' | 'up to date'

export interface PullResult {
  reference: string
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
}

interface PullTarget {
  ref: ImageReference
  info: RepositoryInfo
  /** What the pull prints when it ends: the normalised reference (bare name with --all-tags). */
  result: string
  /** A step of a larger pull (a trusted pull's digest): its result line is left to the caller. */
  quietResult?: boolean
  defaultTagUsed: boolean
}

/** Step 1 for every name before anything is pulled: a bad name fails the whole command up front. */
export function resolveTargets(options: Pick<PullOptions, 'all' | 'remotes'>): PullTarget[] {
  return options.remotes.map((remote) => {
    const parsed = parseNormalizedNamed(remote)
    if (options.all && !isNameOnly(parsed)) throw new DkrError("tag can't be used with --all-tags/-a")
    const ref = options.all ? parsed : withDefaultTag(parsed)
    return {defaultTagUsed: !options.all && isNameOnly(parsed), info: repositoryInfo(ref), ref, result: options.all ? fullName(ref) : referenceString(ref)}
  })
}

function chooseDisplay(cli: Cli, options: PullOptions, targets: PullTarget[]): PullDisplay {
  const {out} = cli.streams
  if (options.quiet || options.json) return new QuietDisplay(out, cli.streams.err, !options.json)
  const several = targets.length > 1
  const live = options.progress === 'tty' || (options.progress === 'auto' && out.isTTY && cli.streams.env.TERM !== 'dumb')
  if (live) {
    return new TtyDisplay(out, {now: cli.now, titles: targets.map((t) => (several ? `Pulling ${familiarString(t.ref)}` : undefined))})
  }

  return new PlainDisplay(out, targets.map((t) => (several ? `${familiarString(t.ref)}: ` : '')), cli.now)
}

/** imagePull and its rendering for one name. Throws the pull's error; the caller decides how to report it. */
async function pullOne(cli: Cli, display: PullDisplay, index: number, target: PullTarget, options: PullOptions, auth: AuthLookup): Promise<PullResult> {
  const started = cli.now()
  if (target.defaultTagUsed) display.note(index, 'info', `Using default tag: ${defaultTag}`)
  const request = {fromImage: fullName(target.ref), platform: options.platform, registryAuth: encodeRegistryAuth(await auth(target.info.authKey)), tag: options.all ? undefined : apiTag(target.ref)}
  const what = familiarString(target.ref)
  const retry = {delayMs: options.retryDelayMs, onRetry: (notice: RetryNotice) => display.note(index, 'retry', retryLine(what, notice)), retries: options.retries, signal: cli.signal}
  // Step 5, attempted again from the outside when it fails in a way that may get better (retry.ts).
  const {attempts, value: tally} = await withRetries(retry, () => watchStalls({signal: cli.signal, timeoutMs: options.stallTimeoutMs, what}, async (signal, saw) => {
    const messages = await cli.engine().pull(request, signal)
    const tally = new Tally()
    for await (const message of messages) {
      saw(message)
      const error = messageError(message)
      if (error !== undefined) throw new DkrError(error)
      tally.add(message)
      display.message(index, message)
    }

    return tally
  }))

  if (cli.signal.aborted) throw cancelledBy(cli.signal)
  if (!target.quietResult) display.note(index, 'result', target.result)
  display.finish(index)
  const {downloaded, unsized} = tally.summary()
  return {
    attempts,
    bytes: downloaded,
    digest: tally.digest ?? target.ref.digest,
    durationMs: cli.now() - started,
    reference: target.result,
    status: tally.upToDate === undefined ? 'pulled' : tally.upToDate ? 'up to date' : 'downloaded',
    ...(unsized > 0 ? {unsizedLayers: unsized} : {}),
  }
}

/** Runs `tasks` with at most `limit` in flight, keeping results in order. */
async function boundedAll<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count)
  let next = 0
  const worker = async () => {
    while (next < count) {
      const index = next++
      results[index] = await task(index)
    }
  }

  await Promise.all(Array.from({length: Math.min(limit, count)}, worker))
  return results
}

interface PullOutcome {
  result: PullResult
  /** The failure itself, kept for the single-name case, which fails with exactly this error. */
  error?: Error
}

/** A name that failed: its error kept for the single-name case, and its line in the results. */
function failedOutcome(cli: Cli, target: PullTarget, started: number, error: Error): PullOutcome {
  return {error, result: {attempts: attemptsOf(error), bytes: 0, durationMs: cli.now() - started, error: error.message, reference: target.result, status: 'failed'}}
}

/** One pass over `targets` into one display. Per-name failures are outcomes; only cancellation throws. */
async function pullRound(cli: Cli, options: PullOptions, targets: PullTarget[], auth: AuthLookup): Promise<PullOutcome[]> {
  const display = chooseDisplay(cli, options, targets)
  const spinner = !options.quiet && !options.json && cli.streams.err.isTTY ? await cli.spinner(`Resolving ${targets.map((t) => familiarString(t.ref)).join(', ')}`) : undefined
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
    const outcomes = await boundedAll(targets.length, Math.max(1, options.parallel), async (index): Promise<PullOutcome> => {
      const started = cli.now()
      try {
        return {result: await pullOne(cli, spinnerAwareDisplay, index, targets[index], options, auth)}
      } catch (error) {
        if (isCancelled(error) || cli.signal.aborted) throw error
        spinnerAwareDisplay.finish(index)
        return failedOutcome(cli, targets[index], started, error as Error)
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
function canPromptForLogin(cli: Cli, options: PullOptions): boolean {
  return cli.streams.out.isTTY && cli.streams.in.isTTY && !options.quiet && !options.json
}

function refusedKey(target: PullTarget, outcome: PullOutcome): string | undefined {
  return outcome.error && isRefusal(outcome.error) ? target.info.authKey : undefined
}

/**
 * On a terminal, each registry that refused a pull gets one interactive login, then its names are pulled
 * once more. docker v28 prompted for Docker Hub whatever the registry; dkr asks for the refusing one.
 */
async function loginAndRetry(cli: Cli, options: PullOptions, targets: PullTarget[], outcomes: PullOutcome[]): Promise<PullOutcome[]> {
  const refused = targets.map((target, i) => refusedKey(target, outcomes[i]))
  const keys = [...new Set(refused.filter((key) => key !== undefined))]
  if (keys.length === 0) return outcomes
  const loggedIn = new Set<string>()
  for (const key of keys) {
    const names = targets.filter((_, i) => refused[i] === key).map((t) => familiarString(t.ref))
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

  const retry = targets.flatMap((_, i) => (refused[i] !== undefined && loggedIn.has(refused[i]) ? [i] : []))
  if (retry.length === 0) return outcomes
  // Credentials are looked up again: the login has just stored new ones.
  const again = await pullRound(cli, options, retry.map((i) => targets[i]), authLookup(cli, await cli.loadConfig()))
  const merged = [...outcomes]
  retry.forEach((targetIndex, j) => (merged[targetIndex] = again[j]))
  return merged
}

/** The line that tells a script what to do about a refusal. */
function loginHint(keys: Iterable<string>): string | undefined {
  const commands = [...new Set(keys)].map((key) => `'${loginCommandFor(key, 'dkr')}'`)
  return commands.length === 0 ? undefined : `Run ${commands.join(', ')} to log in, then pull again`
}

/** Step 4 for one name: the verified digests to pull and tag, or none (pull the name as it is). */
type VerifyStep = (target: PullTarget) => Promise<Partial<VerifiedPulls>>

/**
 * Verified pulls (content trust, a signature policy): each name is verified, then pulled by its verified
 * digests one after the other and tagged, as docker's trusted pull does.
 */
async function pullVerified(cli: Cli, options: PullOptions, targets: PullTarget[], auth: AuthLookup, verify: VerifyStep): Promise<PullOutcome[]> {
  const {out} = cli.streams
  const lines = options.json ? {...out, write: () => true} : out
  const outcomes: PullOutcome[] = []
  for (const target of targets) {
    const started = cli.now()
    try {
      if (target.defaultTagUsed && !options.quiet) lines.write(`Using default tag: ${defaultTag}\n`)
      const {pulls, refused = [], verification} = await verify(target)
      if (pulls === undefined) {
        const [outcome] = await pullRound(cli, options, [{...target, defaultTagUsed: false}], auth)
        outcomes.push({...outcome, result: {...outcome.result, verification}})
        continue
      }

      const pulled: PullResult[] = []
      await pullPinned(cli, lines, target.ref, pulls, async ({ref}) => {
        const [outcome] = await pullRound(cli, {...options, all: false}, [{defaultTagUsed: false, info: target.info, quietResult: true, ref, result: referenceString(ref)}], auth)
        if (outcome.error) throw outcome.error
        pulled.push(outcome.result)
      })
      if (refused.length > 0) throw new DkrError(refused.join('\n'))
      lines.write(`${target.result}\n`)
      // The strongest of the pinned pulls' statuses: anything downloaded, else unknown, else up to date.
      const status = (['downloaded', 'pulled'] as const).find((s) => pulled.some((r) => r.status === s)) ?? 'up to date'
      const digest = pulls.length === 1 ? pulls[0].digest : undefined
      const unsized = pulled.reduce((sum, r) => sum + (r.unsizedLayers ?? 0), 0)
      outcomes.push({result: {attempts: Math.max(1, ...pulled.map((r) => r.attempts)), bytes: pulled.reduce((sum, r) => sum + r.bytes, 0), digest, durationMs: cli.now() - started, reference: target.result, status, verification, ...(unsized > 0 ? {unsizedLayers: unsized} : {})}})
    } catch (error) {
      if (isCancelled(error) || cli.signal.aborted) throw cli.signal.aborted ? cancelledBy(cli.signal) : error
      outcomes.push(failedOutcome(cli, target, started, error as Error))
    }
  }

  return outcomes
}

/** Content trust: tags resolve through Notary; digest references take the plain path. */
function contentTrustStep(cli: Cli, options: PullOptions, auth: AuthLookup): VerifyStep {
  return async (target) => {
    if (target.ref.digest !== undefined) return {}
    return {pulls: await signedTargets(cli, target.ref, target.info, options.all, await auth(target.info.authKey))}
  }
}

export async function runPull(cli: Cli, options: PullOptions): Promise<PullResult[]> {
  const targets = resolveTargets(options)
  const config = await cli.loadConfig()
  if (config.warning) cli.streams.err.write(`${config.warning}\n`)
  const auth = authLookup(cli, config)
  let outcomes: PullOutcome[]
  const checks = await signatureChecks(cli, options)
  if (checks.length > 0) {
    outcomes = await pullVerified(cli, options, targets, auth, (target) => verifiedPulls(cli, {all: options.all, auth, checks, info: target.info, ref: target.ref}))
  } else if (options.trusted) {
    outcomes = await pullVerified(cli, options, targets, auth, contentTrustStep(cli, options, auth))
  } else {
    outcomes = await pullRound(cli, options, targets, auth)
    if (canPromptForLogin(cli, options)) outcomes = await loginAndRetry(cli, options, targets, outcomes)
  }

  const [only] = outcomes
  if (targets.length === 1 && only.error) {
    const key = refusedKey(targets[0], only)
    const hint = key === undefined ? undefined : loginHint([key])
    throw hint ? new DkrError(only.error.message, {cause: only.error, hint}) : only.error
  }

  return outcomes.map((o) => o.result)
}

/** The one-line summary for several names when some failed, and each failure on its own line. */
export function failureReport(results: readonly PullResult[]): DkrError | undefined {
  const failed = results.filter((r) => r.status === 'failed')
  if (failed.length === 0) return undefined
  const lines = failed.map((r) => `${r.reference}: ${r.error}`)
  const refusedKeys = failed.filter((r) => isRefusal(r.error)).map((r) => repositoryInfo(parseNormalizedNamed(r.reference)).authKey)
  return new DkrError(`${lines.join('\n')}\n${failed.length} of ${results.length} pulls failed`, {hint: loginHint(refusedKeys)})
}
