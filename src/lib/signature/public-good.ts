// Sigstore's public-good TrustedRoot when no --trusted-root (or trustedRoot preference) is given: fetched
// through TUF by @sigstore/tuf, which starts from the root embedded in the package, with its metadata
// cached under $XDG_CACHE_HOME/dkr/sigstore-tuf. As sigstore-go (cosign's TUF client) does by default, a
// cache refreshed less than a day ago and not expired is used without asking the repository; otherwise
// the repository is asked, and when it does not answer, a cache that is still valid is used; with
// neither, one line says so and names --trusted-root.
import {statSync, writeFileSync} from 'node:fs'
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

/** sigstore-go's default cache validity (Options.CacheValidity, one day): a fresher cache is used as it is. */
export const tufCacheValidityMs = 86_400_000

/** Touched after each refresh from a repository: its modification time says when that cache was last fresh. */
export function refreshedMarker(cachePath: string, mirrorURL: string): string {
  return join(cachePath, `${encodeURIComponent(mirrorURL)}.refreshed`)
}

function refreshedWithin(cachePath: string, mirrorURL: string, validityMs: number): boolean {
  try {
    return Date.now() - statSync(refreshedMarker(cachePath, mirrorURL)).mtimeMs < validityMs
  } catch {
    return false
  }
}

/** The public-good TrustedRoot through TUF; a DkrError naming --trusted-root when it cannot be had. */
export async function publicGoodRoot(env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<TrustedRoot> {
  const options = {...repository(env), cachePath: tufCachePath(env), retry: false as const, timeout: timeoutMs}
  let root: TrustedRoot | undefined
  // forceCache loads the cached metadata through the TUF client's own checks (signatures, expiry), and
  // asks the repository itself when they fail.
  if (refreshedWithin(options.cachePath, options.mirrorURL, tufCacheValidityMs)) root = await getTrustedRoot({...options, forceCache: true}).catch(() => undefined)
  try {
    if (!root) {
      root = await getTrustedRoot(options)
      try {
        writeFileSync(refreshedMarker(options.cachePath, options.mirrorURL), '')
      } catch {
        // A cache that cannot be marked is only asked again next time.
      }
    }
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
