// Node's connection failures in the words of Go's net and crypto/tls errors, which docker shows for
// whatever it reaches over the network itself (a trust server, a registry when logging in directly).
import {isUnknownAuthority, unknownAuthority} from '../errors.js'

export function describeNetworkError(error: NodeJS.ErrnoException, host: string): string {
  if (isUnknownAuthority(error.code)) return unknownAuthority
  switch (error.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${host}: connect: connection refused`
    case 'ENOTFOUND':
      return `dial tcp: lookup ${host.replace(/:\d+$/, '')}: no such host`
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: x509: certificate is not valid for ${host}`
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return 'tls: first record does not look like a TLS handshake'
    case 'HPE_HEADER_OVERFLOW':
      return 'the answer\'s headers are larger than 16 KiB'
    default:
      // A body cut short: Node says `aborted`, Go `unexpected EOF`. Node's HTTP parser errors (HPE_*) are Go's malformed response.
      if (error.message === 'aborted') return 'unexpected EOF'
      if (error.code?.startsWith('HPE_')) return `malformed HTTP response (${error.message})`
      return error.message
  }
}
