// registry.ParseRepositoryInfo: which registry (index) a reference lives on, and what docker derives from
// that: whether it is Docker Hub, whether the image is an official one, whether the daemon would
// talk plain HTTP to it, and the key its credentials are stored under.
import {defaultDomain, type ImageReference} from '../reference/parse.js'
import {isIPv4} from 'node:net'

/** The key Docker Hub credentials live under in config.json and credential helpers. */
export const hubAuthKey = 'https://index.docker.io/v1/'

export interface RepositoryInfo {
  /** Registry host as docker names it: `docker.io`, `localhost:5000`. */
  readonly indexName: string
  /** Docker Hub itself. */
  readonly official: boolean
  /** An official image (`library/…` on Docker Hub). */
  readonly officialRepository: boolean
  /** The daemon allows plain HTTP here by default (loopback hosts). */
  readonly insecure: boolean
  /** Where docker looks up credentials for this registry. */
  readonly authKey: string
}

/** The host part of `host[:port]`, brackets of an IPv6 literal removed. */
export function hostWithoutPort(indexName: string): string {
  if (indexName.startsWith('[')) return indexName.slice(1, indexName.indexOf(']'))
  const colon = indexName.lastIndexOf(':')
  return colon === -1 ? indexName : indexName.slice(0, colon)
}

/** dockerd's default insecure ranges are 127.0.0.0/8 and ::1; `localhost` resolves into them. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true
  if (isIPv4(host)) return host.startsWith('127.')
  // The two spellings of ::1, compared as they are: asking isIP would compile Node's IPv6 pattern on its
  // first use (some 10 ms) for every registry name that is not an IPv4 address.
  return host === '::1' || host === '0:0:0:0:0:0:0:1'
}

/** Where Docker Hub's registry API lives; other registries are their own host. */
export function registryHost(info: RepositoryInfo): string {
  return info.official ? 'registry-1.docker.io' : info.indexName
}

export function repositoryInfo(ref: ImageReference): RepositoryInfo {
  const official = ref.domain === defaultDomain
  return {
    authKey: official ? hubAuthKey : ref.domain,
    indexName: ref.domain,
    insecure: !official && isLoopbackHost(hostWithoutPort(ref.domain)),
    official,
    officialRepository: official && ref.path.startsWith('library/'),
  }
}
