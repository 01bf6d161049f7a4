// docker's trustedPull: resolve the tag (or, with -a, every signed tag) to its signed digest through
// Notary; the pull by digest and the local tag are pull/pinned-pull's.
import type {Cli} from '../cli/context.js'
import {DkrError} from '../errors.js'
import type {AuthConfig} from '../credentials/auth-config.js'
import {familiarName, fullName} from '../reference/format.js'
import type {ImageReference} from '../reference/parse.js'
import type {RepositoryInfo} from '../registry/repository-info.js'
import {describeTrustError, TrustError} from '../trust/errors.js'
import {NotaryClient, type SignedTarget} from '../trust/notary-client.js'

const hubNotary = 'https://notary.docker.io'

/**
 * The line for a trust failure; when Docker Hub's Notary cannot be reached it also says the service is
 * retired (notary.docker.io shut down on 2026-12-08; docker 29 dropped content trust) and where to go.
 */
export function trustFailureLine(error: TrustError, gun: string, server: string): string {
  const line = describeTrustError(error, gun)
  if (server !== hubNotary || error.kind !== 'network') return line
  return `${line}: Docker Hub's Notary (notary.docker.io) was retired on 2026-12-08; verify Docker Hub images with a signature policy (--signature-policy) or cosign's flags (--certificate-identity, --key) instead of content trust`
}

/** DOCKER_CONTENT_TRUST_SERVER (https only), else Docker Hub's Notary, else the registry itself. */
export function trustServer(env: NodeJS.ProcessEnv, info: RepositoryInfo): string {
  const configured = env.DOCKER_CONTENT_TRUST_SERVER
  if (configured) {
    let url: URL | undefined
    try {
      url = new URL(configured)
    } catch {
      url = undefined
    }

    if (url?.protocol !== 'https:') throw new DkrError(`error establishing connection to trust repository: valid https URL required for trust server, got ${configured}`)
    return configured
  }

  return info.official ? hubNotary : `https://${info.indexName}`
}

/** The signed tags to pull for `ref`: its own tag, or every signed tag with -a. */
export async function signedTargets(cli: Cli, ref: ImageReference, info: RepositoryInfo, all: boolean, auth: AuthConfig): Promise<SignedTarget[]> {
  const gun = fullName(ref)
  const server = trustServer(cli.streams.env, info)
  const client = new NotaryClient({
    auth,
    configDir: cli.configDir,
    gun,
    insecure: info.insecure,
    now: new Date(cli.now()),
    server,
    signal: cli.signal,
    warn: (line) => cli.streams.err.write(`WARNING: ${line}\n`),
  })
  try {
    const repository = await client.update()
    if (!all) return [repository.lookup(ref.tag!)]
    const targets = repository.all()
    if (targets.length === 0) throw new TrustError('no-target', `No signed tags for ${familiarName(ref)}`)
    return targets
  } catch (error) {
    if (error instanceof TrustError) throw new DkrError(trustFailureLine(error, gun, server))
    throw error
  }
}
