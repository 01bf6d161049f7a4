// `dkr image ratelimit [NAME]`: how many pulls the registry still allows, asked the way regctl asks, with a
// manifest HEAD that Docker Hub does not count, sent with the credentials docker would send (a logged-in
// user has a higher limit). Without a name: Docker Hub's documented probe repository. The same question
// answers a pull refused for its quota (quota.ts).
import type {Cli} from '../cli/context.js'
import {authLookup} from '../cli/auth-lookup.js'
import {isAnonymous, type AuthConfig} from '../credentials/auth-config.js'
import {checkTemplate, renderTemplate} from '../io/go-template.js'
import {formatTable} from '../io/table.js'
import {apiTag, referenceString, withDefaultTag} from '../reference/format.js'
import {parseNormalizedNamed, type ImageReference} from '../reference/parse.js'
import {RegistryClient} from '../registry/client.js'
import {askRateLimit, limitText} from '../registry/ratelimit.js'
import {registryHost, repositoryInfo, type RepositoryInfo} from '../registry/repository-info.js'

/** Docker Hub's probe repository (docs.docker.com, "Docker Hub usage and limits"). */
export const probeRepository = 'ratelimitpreview/test'

/** What `--format json` prints; a field the registry did not report is null. */
export interface RateLimitReport {
  registry: string
  reference: string
  /** Whether credentials were sent (the limit is then the account's). */
  authenticated: boolean
  limit: number | null
  remaining: number | null
  windowSeconds: number | null
  source: string | null
}

/** The rate limit the registry reports for `ref`, asked with `auth`. */
export async function rateLimitReport(cli: Cli, ref: ImageReference, info: RepositoryInfo, auth: AuthConfig, signal = cli.signal): Promise<RateLimitReport> {
  const client = new RegistryClient({auth, host: registryHost(info), insecure: info.insecure, signal})
  const limit = await askRateLimit(client, ref.path, apiTag(ref) ?? 'latest')
  return {
    authenticated: !isAnonymous(auth),
    limit: limit?.limit ?? null,
    reference: referenceString(ref),
    registry: registryHost(info),
    remaining: limit?.remaining ?? null,
    source: limit?.source ?? null,
    windowSeconds: limit?.windowSeconds ?? null,
  }
}

function reportText(report: RateLimitReport): string {
  const rows = [
    ['Registry:', report.registry],
    ['Image:', report.reference],
    ['Credentials:', report.authenticated ? 'logged in' : 'anonymous'],
  ]
  if (report.limit === null) {
    rows.push(['Limit:', 'none reported'])
  } else {
    rows.push(['Limit:', limitText({limit: report.limit, windowSeconds: report.windowSeconds ?? undefined})])
    rows.push(['Remaining:', report.remaining === null ? 'not reported' : String(report.remaining)])
    rows.push(['Source:', report.source ?? 'not reported'])
  }

  return formatTable(rows)
}

export async function runRateLimit(cli: Cli, options: {name?: string; format?: string}): Promise<RateLimitReport> {
  const format = options.format === 'json' ? '{{json .}}' : options.format
  // A bad template or name fails before the registry is asked anything.
  if (format) checkTemplate(format)
  const ref = withDefaultTag(parseNormalizedNamed(options.name ?? probeRepository))
  const info = repositoryInfo(ref)
  const config = await cli.loadConfig()
  if (config.warning) cli.streams.err.write(`${config.warning}\n`)
  const report = await rateLimitReport(cli, ref, info, await authLookup(cli, config)(info.authKey))
  cli.streams.out.write(format ? `${renderTemplate(format, report)}\n` : reportText(report))
  return report
}
