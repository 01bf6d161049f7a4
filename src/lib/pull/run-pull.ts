// docker's runPull, as a plan and its execution: the plan parses every name, looks up credentials and
// turns each name into what the engines pull (plan.ts: verified or pinned digests when checks apply or
// several engines pull; the name itself for docker's plain pull on one engine); the execution carries it
// out on one engine with docker's output (one-engine.ts) or on several (fleet.ts). Everything it touches
// comes in through the Cli context, so tests swap it.
import type {Cli} from '../cli/context.js'
import {DkrError} from '../errors.js'
import {loginCommandFor} from '../login/run-login.js'
import {parseNormalizedNamed} from '../reference/parse.js'
import {isRefusal} from '../registry/refusal.js'
import {repositoryInfo} from '../registry/repository-info.js'
import {executeFleet} from './fleet.js'
import {executeOnEngine, refusedKey} from './one-engine.js'
import {planPull, type PlanOptions} from './plan.js'
import type {ExecuteOptions, PullResult} from './result.js'

export type {PullResult, PullStatus} from './result.js'

/** Everything a pull is asked: what the plan needs and how it is carried out. */
export type PullOptions = PlanOptions & ExecuteOptions

/** The line that tells a script what to do about a refusal. */
function loginHint(keys: Iterable<string>): string | undefined {
  const commands = [...new Set(keys)].map((key) => `'${loginCommandFor(key, 'dkr')}'`)
  return commands.length === 0 ? undefined : `Run ${commands.join(', ')} to log in, then pull again`
}

export async function runPull(cli: Cli, options: PullOptions): Promise<PullResult[]> {
  const plan = await planPull(cli, options)
  if (plan.engines.length > 1) {
    // One name the plan refused: its own line, as on one engine (no engine was asked).
    if (plan.images.length === 1 && plan.images[0].error) throw plan.images[0].error
    return (await executeFleet(cli, plan, options)).map((o) => o.result)
  }

  const outcomes = await executeOnEngine(cli, plan, options)
  const [only] = outcomes
  if (plan.images.length === 1 && only.error) {
    const key = refusedKey(plan.images[0], only)
    const hint = key === undefined ? undefined : loginHint([key])
    throw hint ? new DkrError(only.error.message, {cause: only.error, hint}) : only.error
  }

  return outcomes.map((o) => o.result)
}

/** One line for a failed engine: its name and the first failure's reason, on one line. */
function engineFailure(engine: string, failed: readonly PullResult[]): string {
  const reason = failed.find((r) => r.engine === engine)?.error ?? ''
  return `${engine} (${reason.replaceAll('\n', '; ')})`
}

/**
 * When some pulls failed: each failed name on its own line and a count (`2 of 5 pulls failed`); on
 * several engines, names the plan refused, then one line for the engines (`2 of 40 engines failed: edge-3
 * (…), edge-9 (…)`).
 */
export function failureReport(results: readonly PullResult[]): DkrError | undefined {
  const failed = results.filter((r) => r.status === 'failed')
  if (failed.length === 0) return undefined
  const refusedKeys = failed.filter((r) => isRefusal(r.error)).map((r) => repositoryInfo(parseNormalizedNamed(r.reference)).authKey)
  const hint = loginHint(refusedKeys)
  const engines = [...new Set(results.flatMap((r) => (r.engine === undefined ? [] : [r.engine])))]
  if (engines.length === 0) {
    const lines = failed.map((r) => `${r.reference}: ${r.error}`)
    return new DkrError(`${lines.join('\n')}\n${failed.length} of ${results.length} pulls failed`, {hint})
  }

  const lines = failed.filter((r) => r.engine === undefined).map((r) => r.error ?? r.reference)
  const failedEngines = engines.filter((engine) => failed.some((r) => r.engine === engine))
  if (failedEngines.length > 0) lines.push(`${failedEngines.length} of ${engines.length} engines failed: ${failedEngines.map((engine) => engineFailure(engine, failed)).join(', ')}`)
  return new DkrError(lines.join('\n'), {hint})
}
