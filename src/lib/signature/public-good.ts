// Sigstore's public-good TrustedRoot when no --trusted-root (or trustedRoot preference) is given: fetched
// through TUF by @sigstore/tuf, which starts from the root embedded in the package, with its metadata
// cached under $XDG_CACHE_HOME/dkr/sigstore-tuf and refreshed whenever the repository answers. When it
// does not, a cache that is still valid is used; with neither, one line says so and names --trusted-root.
import {homedir} from 'node:os'
import {join} from 'node:path'
import type {TrustedRoot} from '@sigstore/protobuf-specs'
import {DEFAULT_MIRROR_URL, getTrustedRoot} from '@sigstore/tuf'
import {DkrError} from '../errors.js'
import {checkTrustedRoot} from './trusted-root.js'

/** Where TUF metadata is kept between runs. */
export function tufCachePath(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'dkr', 'sigstore-tuf')
}

/** The TUF repository: Sigstore's, or DKR_SIGSTORE_TUF_URL with DKR_SIGSTORE_TUF_ROOT (its root.json), for a private or test one. */
function repository(env: NodeJS.ProcessEnv): {mirrorURL: string; rootPath?: string} {
  return env.DKR_SIGSTORE_TUF_URL ? {mirrorURL: env.DKR_SIGSTORE_TUF_URL, rootPath: env.DKR_SIGSTORE_TUF_ROOT} : {mirrorURL: DEFAULT_MIRROR_URL}
}

function reasonOf(error: unknown): string {
  const e = error as {message?: string; cause?: {message?: string}}
  return (e.cause?.message ?? e.message ?? String(error)).split('\n')[0]
}

/** The public-good TrustedRoot through TUF; a DkrError naming --trusted-root when it cannot be had. */
export async function publicGoodRoot(env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<TrustedRoot> {
  const options = {...repository(env), cachePath: tufCachePath(env), retry: false as const, timeout: timeoutMs}
  let root: TrustedRoot
  try {
    root = await getTrustedRoot(options)
  } catch (error) {
    try {
      // Unreachable: metadata cached by an earlier run, while it has not expired.
      root = await getTrustedRoot({...options, forceCache: true})
    } catch {
      throw new DkrError(`cannot get Sigstore's trusted root through TUF from ${options.mirrorURL} (${reasonOf(error)}) and no usable copy is cached: when offline, give --trusted-root FILE (a TrustedRoot JSON)`)
    }
  }

  try {
    return checkTrustedRoot(root)
  } catch (error) {
    throw new DkrError(`Sigstore's trusted root from ${options.mirrorURL}: ${(error as Error).message}`)
  }
}
