// Trust failures, each kind worded as docker's trust.NotaryError words it, so a refused trusted pull
// reads the same in dkr and docker. Every one fails the pull: trust fails closed.

export type TrustErrorKind =
  | 'expired'
  | 'low-version'
  | 'malformed'
  | 'mismatch'
  | 'missing'
  | 'network'
  | 'no-repository'
  | 'no-target'
  | 'threshold'
  | 'untrusted-root'

export class TrustError extends Error {
  constructor(readonly kind: TrustErrorKind, readonly detail: string) {
    super(detail)
    this.name = 'TrustError'
  }
}

/** The line docker prints for a trust failure on repository `gun`. */
export function describeTrustError(error: TrustError, gun: string): string {
  const {detail} = error
  switch (error.kind) {
    case 'expired':
      return `Error: remote repository ${gun} out-of-date: ${detail}`
    case 'low-version':
      return `Warning: potential malicious behavior - trust data version is lower than expected for remote repository ${gun}: ${detail}`
    case 'malformed':
      return `Error: no trust data available for remote repository ${gun}. Try running notary server and setting DOCKER_CONTENT_TRUST_SERVER to its HTTPS address? (${detail})`
    case 'mismatch':
    case 'untrusted-root':
      return `Warning: potential malicious behavior - trust data mismatch for remote repository ${gun}: ${detail}`
    case 'missing':
      return `Error: trust data missing for remote repository ${gun} or remote repository not found: ${detail}`
    case 'network':
      return `Error: error contacting notary server: ${detail}`
    case 'no-repository':
      return `Error: remote trust data does not exist for ${gun}: ${detail}`
    case 'no-target':
      return detail
    case 'threshold':
      return `Warning: potential malicious behavior - trust data has insufficient signatures for remote repository ${gun}: ${detail}`
  }
}
