// reference.Parse and reference.ParseNormalizedNamed: a string in, a normalised named reference out,
// or docker's exact error. Pure: nothing here talks to an engine or registry.
import {validateDigest} from './digest.js'
import {referenceErrors, ReferenceError} from './errors.js'
import {identifierPattern, namePattern, referencePattern} from './grammar.js'

export const defaultDomain = 'docker.io'
const legacyDefaultDomain = 'index.docker.io'
const officialRepoPrefix = 'library/'
const maxNameLength = 255

/** A fully qualified reference: `docker.io/library/nginx` plus an optional tag and digest. */
export interface ImageReference {
  /** Registry host, with port when given (`docker.io`, `localhost:5000`, `[::1]:5000`). */
  readonly domain: string
  /** Repository path inside the registry (`library/nginx`). */
  readonly path: string
  readonly tag?: string
  readonly digest?: string
}

/** Splits a familiar name into its registry host and path the way docker guesses it. */
function splitDockerDomain(name: string): [domain: string, remainder: string] {
  const slash = name.indexOf('/')
  let domain: string
  let remainder: string
  const first = slash === -1 ? '' : name.slice(0, slash)
  if (slash === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = defaultDomain
    remainder = name
  } else {
    domain = first
    remainder = name.slice(slash + 1)
  }

  if (domain === legacyDefaultDomain) domain = defaultDomain
  if (domain === defaultDomain && !remainder.includes('/')) remainder = officialRepoPrefix + remainder
  return [domain, remainder]
}

/** reference.Parse: the grammar alone, no normalisation. */
export function parseReference(input: string): ImageReference {
  const match = referencePattern.exec(input)
  if (!match) {
    if (input === '') throw new ReferenceError(referenceErrors.nameEmpty)
    if (referencePattern.test(input.toLowerCase())) throw new ReferenceError(referenceErrors.uppercase)
    throw new ReferenceError(referenceErrors.invalidFormat)
  }

  const [, fullName, tag, digest] = match
  const nameMatch = namePattern.exec(fullName)!
  const domain = nameMatch[1] ?? ''
  const path = nameMatch[2]
  if (path.length > maxNameLength) throw new ReferenceError(referenceErrors.nameTooLong)
  if (digest !== undefined) validateDigest(digest)
  return {digest, domain, path, tag}
}

/** reference.ParseNormalizedNamed: a name as a user types it (`nginx`, `localhost:5000/app:1`). */
export function parseNormalizedNamed(input: string): ImageReference {
  if (identifierPattern.test(input)) {
    throw new ReferenceError(`invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`)
  }

  const [domain, remainder] = splitDockerDomain(input)
  const colon = remainder.indexOf(':')
  const remoteName = colon === -1 ? remainder : remainder.slice(0, colon)
  if (remoteName.toLowerCase() !== remoteName) {
    throw new ReferenceError(`${referenceErrors.invalidFormat}: repository name (${remoteName}) must be lowercase`)
  }

  return parseReference(`${domain}/${remainder}`)
}
