// The ways a reference is written back out: docker's String(), Name(), familiar forms, and the tag rules.
import {defaultDomain, type ImageReference} from './parse.js'

export const defaultTag = 'latest'

/** `docker.io/library/nginx`: what the engine gets as fromImage. */
export function fullName(ref: ImageReference): string {
  return ref.domain === '' ? ref.path : `${ref.domain}/${ref.path}`
}

/** `docker.io/library/nginx:1.25@sha256:…`: the line docker prints when a pull ends. */
export function referenceString(ref: ImageReference): string {
  return fullName(ref) + (ref.tag === undefined ? '' : `:${ref.tag}`) + (ref.digest === undefined ? '' : `@${ref.digest}`)
}

/** `nginx`: the name with `docker.io/` and `library/` taken off, for display. */
export function familiarName(ref: ImageReference): string {
  if (ref.domain !== defaultDomain) return fullName(ref)
  return ref.path.startsWith('library/') && !ref.path.slice(8).includes('/') ? ref.path.slice(8) : ref.path
}

/** `nginx:1.25`: the familiar name with its tag and digest. */
export function familiarString(ref: ImageReference): string {
  return familiarName(ref) + (ref.tag === undefined ? '' : `:${ref.tag}`) + (ref.digest === undefined ? '' : `@${ref.digest}`)
}

export function isNameOnly(ref: ImageReference): boolean {
  return ref.tag === undefined && ref.digest === undefined
}

/** reference.TagNameOnly: a bare name gets `latest`; anything with a tag or digest stays as it is. */
export function withDefaultTag(ref: ImageReference): ImageReference {
  return isNameOnly(ref) ? {...ref, tag: defaultTag} : ref
}

/** What the engine gets as `tag`: the digest when there is one (it wins over a tag), else the tag. */
export function apiTag(ref: ImageReference): string | undefined {
  return ref.digest ?? withDefaultTag(ref).tag
}
