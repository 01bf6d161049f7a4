// signedIdentity: whether the docker-reference a signature claims fits the image being pulled, with
// containers/image's rules (policy_reference_match.go), so podman and dkr agree on the same policy.
// A claim without tag or digest (cosign writes the bare repository) fits only the rules that compare
// repositories: matchRepository, exactRepository.
import {fullName, isNameOnly, referenceString} from '../reference/format.js'
import {parseNormalizedNamed, type ImageReference} from '../reference/parse.js'
import type {IdentityRule} from './policy.js'

function parse(text: string): ImageReference | undefined {
  try {
    return parseNormalizedNamed(text)
  } catch {
    return undefined
  }
}

function matchRepoDigestOrExact(intended: ImageReference, signed: ImageReference): boolean {
  if (isNameOnly(signed)) return false
  if (intended.tag !== undefined) return referenceString(signed) === referenceString(intended)
  if (intended.digest !== undefined) return fullName(signed) === fullName(intended)
  return false
}

/** refMatchesPrefix: `prefix` is the whole reference or ends where a `/`, `:` or `@` follows. */
function matchesPrefix(reference: string, prefix: string): boolean {
  if (reference === prefix) return true
  return reference.startsWith(prefix) && ['/', ':', '@'].includes(reference[prefix.length])
}

/** Whether the signature's claimed `docker-reference` is acceptable for `intended` under `rule`. */
export function identityMatches(rule: IdentityRule, intended: ImageReference, claimed: string): boolean {
  const signed = parse(claimed)
  if (!signed) return false
  switch (rule.type) {
    case 'matchRepoDigestOrExact':
      return matchRepoDigestOrExact(intended, signed)
    case 'matchRepository':
      return fullName(signed) === fullName(intended)
    case 'exactReference': {
      const wanted = parse(rule.dockerReference)
      return wanted !== undefined && !isNameOnly(wanted) && !isNameOnly(signed) && referenceString(signed) === referenceString(wanted)
    }

    case 'exactRepository': {
      const wanted = parse(rule.dockerRepository)
      return wanted !== undefined && fullName(signed) === fullName(wanted)
    }

    case 'remapIdentity': {
      const text = referenceString(intended)
      if (!matchesPrefix(text, rule.prefix)) return matchRepoDigestOrExact(intended, signed)
      const remapped = parse(rule.signedPrefix + text.slice(rule.prefix.length))
      return remapped !== undefined && matchRepoDigestOrExact(remapped, signed)
    }
  }
}

/** How a rule reads in a refusal: `matchRepository`, `exactRepository example.com/app`. */
export function describeRule(rule: IdentityRule): string {
  switch (rule.type) {
    case 'exactReference':
      return `exactReference ${rule.dockerReference}`
    case 'exactRepository':
      return `exactRepository ${rule.dockerRepository}`
    case 'remapIdentity':
      return `remapIdentity ${rule.prefix} → ${rule.signedPrefix}`
    default:
      return rule.type
  }
}
