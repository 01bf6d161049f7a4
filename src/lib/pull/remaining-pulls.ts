// The rateLimit preference: the registry's remaining pulls at the end of a live view's total line. Asked
// alongside the pull (a manifest HEAD, which Docker Hub does not count), never before it: the pull does
// not wait for the answer, a failure is only a debug line, and the question is dropped when the pull ends.
import type {AuthLookup} from '../cli/auth-lookup.js'
import type {Cli} from '../cli/context.js'
import type {ImageReference} from '../reference/parse.js'
import {limitText} from '../registry/ratelimit.js'
import type {RepositoryInfo} from '../registry/repository-info.js'
import type {PullDisplay} from './display.js'
import {rateLimitReport} from './run-ratelimit.js'

/** Starts the question for `target`'s registry; the returned function drops it (call it when the pull ends). */
export function showRemainingPulls(cli: Cli, display: PullDisplay, target: {ref: ImageReference; info: RepositoryInfo}, auth: AuthLookup): () => void {
  const asking = new AbortController()
  const drop = () => asking.abort()
  cli.signal.addEventListener('abort', drop, {once: true})
  void (async () => {
    try {
      const report = await rateLimitReport(cli, target.ref, target.info, await auth(target.info.authKey), asking.signal)
      if (asking.signal.aborted || report.limit === null || report.remaining === null) return
      display.aside(`${report.remaining} of ${limitText({limit: report.limit, windowSeconds: report.windowSeconds ?? undefined})} left`)
    } catch (error) {
      if (!asking.signal.aborted) cli.debug(`could not ask ${target.info.indexName} for its rate limit: ${(error as Error).message}`)
    }
  })()
  return () => {
    cli.signal.removeEventListener('abort', drop)
    drop()
  }
}
