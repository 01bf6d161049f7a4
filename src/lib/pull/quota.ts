// A pull refused because Docker Hub's pull quota ran out, told in one line: the limit and its window
// when the registry reports them (asked with a HEAD, which is not a pull), and whether logging in
// raises it. The engines relay the refusal in their own words (transient.test.ts has them); retry.ts
// never retries it.
import type {Cli} from '../cli/context.js'
import {isAnonymous, type AuthConfig} from '../credentials/auth-config.js'
import {DkrError, isCancelled} from '../errors.js'
import {loginCommandFor} from '../login/run-login.js'
import type {ImageReference} from '../reference/parse.js'
import {isQuotaRefusal, limitText} from '../registry/ratelimit.js'
import type {RepositoryInfo} from '../registry/repository-info.js'
import {afterPullLookupMs} from './platforms.js'
import {rateLimitReport} from './run-ratelimit.js'

/** `error` as one line about the quota when it is Hub's quota refusal; any other error as it is. */
export async function explainQuota(cli: Cli, ref: ImageReference, info: RepositoryInfo, auth: AuthConfig, error: unknown): Promise<unknown> {
  if (!isQuotaRefusal(error)) return error
  let limit = ''
  try {
    const report = await rateLimitReport(cli, ref, info, auth, AbortSignal.any([cli.signal, AbortSignal.timeout(afterPullLookupMs)]))
    if (report.limit !== null) limit = ` (${limitText({limit: report.limit, windowSeconds: report.windowSeconds ?? undefined})}${report.source ? ` for ${report.source}` : ''})`
  } catch (probeError) {
    if (isCancelled(probeError)) throw probeError
    cli.debug(`could not ask ${info.indexName} for its rate limit: ${(probeError as Error).message}`)
  }

  const advice = isAnonymous(auth) ? `logging in raises it: ${loginCommandFor(info.authKey, 'dkr')}` : 'the limit of the account logged in; it refills as the window passes'
  return new DkrError(`toomanyrequests: pull rate limit reached${limit}; ${advice}`, {cause: error})
}
