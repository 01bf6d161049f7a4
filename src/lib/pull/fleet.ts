// A plan carried out on several engines: every target (image × platform × engine) is pulled by the
// planned digest and tagged on its engine, at most --parallel at once, each with its own retries and
// stall watchdog, and each engine first asked to answer within the connect timeout, so an engine that is
// down costs only itself and only that long. Credentials were looked up once; every engine gets them as
// X-Registry-Auth. Ctrl-C aborts every engine's request (the engines cancel their pulls). A name pulled
// at several platforms needs engines that keep them all under one name: one that does not refuses, and
// costs only itself. Each engine's result names the platform manifests it got (from its own record, or
// the registry, asked once per name).
import type {Cli, NamedEngine} from '../cli/context.js'
import type {EngineClient} from '../engine/client.js'
import {cancelledBy, DkrError, EngineUnreachableError, isCancelled} from '../errors.js'
import {boundedAll} from '../io/bounded.js'
import {formatDuration} from '../io/duration.js'
import {apiTag, familiarName, familiarString, fullName} from '../reference/format.js'
import {atDigest} from './pinned-pull.js'
import {PlainFleetDisplay, QuietFleetDisplay, TtyFleetDisplay, type FleetDisplay} from './fleet-display.js'
import {pulledReference, type PlannedImage, type PullPlan} from './plan.js'
import {askAfterPull, mergeOutcomes, platformPulled, platformReportWanted, requireMultiPlatformStore} from './platforms.js'
import {failedOutcome, liveView, pullTotals, tallied, type ExecuteOptions, type PullOutcome, type PullResult} from './result.js'
import {pullTarget} from './target-pull.js'

/** How many engines pull at once unless --parallel (or the preference) says: the client's share of a pull is small. */
export const defaultFleetParallel = 16

/** How long an engine may take to answer before the fleet counts it as down (not the stall timeout). */
export const defaultConnectTimeoutMs = 10_000

interface FleetTarget {
  image: PlannedImage
  platform?: string
  engine: NamedEngine
}

/** Resolves once the engine answers; an engine that does not within `timeoutMs` is unreachable, and its request ends. */
async function connectWithin(engine: EngineClient, signal: AbortSignal, timeoutMs: number): Promise<void> {
  const timeout = AbortSignal.timeout(timeoutMs)
  const either = AbortSignal.any([signal, timeout])
  const timedOut = () => new DkrError(`${new EngineUnreachableError(engine.endpoint.host).message} (no answer within ${formatDuration(timeoutMs)})`)
  await new Promise<void>((resolve, reject) => {
    // Not waiting for the request to wind down: an ssh transport may take its time to close.
    const onAbort = () => reject(signal.aborted ? cancelledBy(signal) : timedOut())
    if (either.aborted) return onAbort()
    either.addEventListener('abort', onAbort, {once: true})
    engine.connect(either).then(() => resolve(), (error: unknown) => reject(timeout.aborted && !signal.aborted ? timedOut() : error)).finally(() => either.removeEventListener('abort', onAbort))
  })
}

function chooseDisplay(cli: Cli, options: ExecuteOptions, labels: string[]): FleetDisplay {
  const {out} = cli.streams
  if (options.quiet || options.json) return new QuietFleetDisplay(cli.streams.err, labels)
  return liveView(cli, options) ? new TtyFleetDisplay(out, labels, {now: cli.now}) : new PlainFleetDisplay(out, labels, cli.now)
}

/** What each engine is asked once, whichever of its targets asks first. */
interface PerEngine {
  /** Several platforms: the engine keeps them all under one name (the containerd image store), or refuses. */
  store(engine: NamedEngine): Promise<void>
}

/** One target's pulls: each planned digest (or the digest reference itself) pulled, then tagged, on its engine. */
async function pullPinsOn(cli: Cli, plan: PullPlan, options: ExecuteOptions, display: FleetDisplay, index: number, target: FleetTarget, perEngine: PerEngine): Promise<PullResult[]> {
  const {engine, image, platform} = target
  const auth = await plan.auth(image.info.authKey)
  const name = familiarName(image.ref)
  const pins = image.pins ?? [undefined]
  const pulled: PullResult[] = []
  for (const [i, pin] of pins.entries()) {
    const ref = pin ? atDigest(image.ref, pin.digest) : image.ref
    if (pin) display.line(index, `Pull (${i + 1} of ${pins.length}): ${name}:${pin.tag}@${pin.digest}`)
    const {attempts, tally} = await pullTarget(cli, {
      async connect(signal) {
        await connectWithin(engine.client, signal, options.connectTimeoutMs ?? defaultConnectTimeoutMs)
        if (plan.severalPlatforms) await perEngine.store(engine)
        display.phase(index, 'pulling')
      },
      auth,
      engine: engine.client,
      image,
      onMessage: (message) => display.message(index, message),
      onRetry: (line) => display.phase(index, 'retrying', line),
      request: {fromImage: fullName(ref), platform, tag: apiTag(ref)},
      options,
      what: `${familiarString(ref)} on ${engine.name}`,
    })
    if (pin) {
      display.phase(index, 'tagging')
      display.line(index, `Tagging ${name}@${pin.digest} as ${name}:${pin.tag}`)
      await engine.client.tag(`${fullName(image.ref)}@${pin.digest}`, fullName(image.ref), pin.tag, cli.signal)
    }

    pulled.push({...tallied(tally, attempts), durationMs: 0, reference: image.result})
  }

  return pulled
}

export async function executeFleet(cli: Cli, plan: PullPlan, options: ExecuteOptions): Promise<PullOutcome[]> {
  const planned = plan.images.filter((image) => image.error === undefined)
  const targets: FleetTarget[] = planned.flatMap((image) => image.platforms.flatMap((platform) => plan.engines.map((engine) => ({engine, image, platform}))))
  const perEngine = targets.length / plan.engines.length
  const labels = targets.map((t) => (perEngine > 1 ? `${t.engine.name} ${familiarString(t.image.ref)}${t.platform ? ` ${t.platform}` : ''}` : t.engine.name))
  if (!options.quiet && !options.json) {
    for (const image of planned) {
      for (const pin of image.pins ?? []) cli.streams.out.write(`${familiarName(image.ref)}:${pin.tag} is ${pin.digest}: pulling it on ${plan.engines.length} engines\n`)
    }
  }

  const display = chooseDisplay(cli, options, labels)
  const stores = new Map<NamedEngine, Promise<void>>()
  const askedOnce: PerEngine = {
    store: (engine) => stores.get(engine) ?? stores.set(engine, requireMultiPlatformStore(engine.client, cli.signal)).get(engine)!,
  }
  // Which manifest each engine got: its own record where it keeps one, else the registry, asked once per
  // name (the pinned index), not per engine.
  const answers = new Map<PlannedImage, ReturnType<typeof askAfterPull>>()
  const platformOf = async ({engine, image, platform}: FleetTarget) => {
    if (!platformReportWanted(cli, options)) return undefined
    const auth = await plan.auth(image.info.authKey)
    const ref = pulledReference(image)
    const askRegistry = () => answers.get(image) ?? answers.set(image, askAfterPull(cli, ref, image.info, auth)).get(image)!
    return platformPulled(cli, engine.client, ref, image.info, auth, platform, askRegistry)
  }

  const pullOn = async (index: number): Promise<PullOutcome> => {
    const {engine, image} = targets[index]
    const started = cli.now()
    display.phase(index, 'connecting')
    try {
      const pulled = await pullPinsOn(cli, plan, options, display, index, targets[index], askedOnce)
      if (image.refused && image.refused.length > 0) throw new DkrError(image.refused.join('\n'))
      const got = await platformOf(targets[index])
      if (cli.signal.aborted) throw cancelledBy(cli.signal)
      if (got) display.line(index, `Platform ${got.manifest.platform}: ${got.manifest.digest}`)
      display.line(index, image.result)
      display.phase(index, 'done')
      return {
        result: {
          ...pullTotals(pulled),
          digest: pulledReference(image).digest,
          durationMs: cli.now() - started,
          engine: engine.name,
          reference: image.result,
          ...(image.verification ? {verification: image.verification} : {}),
          ...(got ? {platforms: [got.manifest]} : {}),
        },
      }
    } catch (error) {
      if (isCancelled(error) || cli.signal.aborted) throw error
      display.phase(index, 'failed', (error as Error).message.replaceAll('\n', '; '))
      return failedOutcome(cli, image, started, error as Error, engine.name)
    }
  }

  let executed: PullOutcome[]
  try {
    executed = await boundedAll(targets.length, options.parallel ?? defaultFleetParallel, pullOn)
    display.close()
  } catch (error) {
    display.abandon()
    throw cli.signal.aborted ? cancelledBy(cli.signal) : error
  }

  if (options.quiet && !options.json) {
    for (const image of planned) {
      if (executed.every((outcome, i) => targets[i].image !== image || outcome.error === undefined)) cli.streams.out.write(`${image.result}\n`)
    }
  }

  // A name the plan refused was asked of no engine: one result for it, with no engine.
  const refusedAtPlan = plan.images.filter((image) => image.error !== undefined).map((image) => failedOutcome(cli, image, cli.now(), image.error!))
  // One result per image × engine: a name's platforms merged.
  const byEngine = planned.flatMap((image) => plan.engines.map((engine) => mergeOutcomes(executed.filter((_, i) => targets[i].image === image && targets[i].engine === engine))))
  return [...refusedAtPlan, ...byEngine]
}
