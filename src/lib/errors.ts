// Errors are values: each carries the one line dkr prints and the exit status. The base command is
// the only place that prints them, so every command fails the same way docker does.

/** A runtime failure: one line on stderr, exit 1 (docker's status for every runtime error). */
export class DkrError extends Error {
  readonly exitCode: number
  /** A second line telling the user what to do next, printed after the message. */
  readonly hint?: string

  constructor(message: string, options: {cause?: unknown; exitCode?: number; hint?: string} = {}) {
    super(message, {cause: options.cause})
    this.name = 'DkrError'
    this.exitCode = options.exitCode ?? 1
    this.hint = options.hint
  }
}

/** Bad flags or arguments: docker prints the usage block and exits 125. */
export class UsageError extends DkrError {
  constructor(message: string) {
    super(message, {exitCode: 125})
    this.name = 'UsageError'
  }
}

/** The engine answered with an HTTP error before streaming: docker prefixes its text like this. */
export class EngineResponseError extends DkrError {
  readonly statusCode: number
  readonly daemonMessage: string

  constructor(statusCode: number, daemonMessage: string, options: {hint?: string} = {}) {
    super(`Error response from daemon: ${daemonMessage}`, options)
    this.name = 'EngineResponseError'
    this.statusCode = statusCode
    this.daemonMessage = daemonMessage
  }
}

/** Nothing answered at the engine's address (no socket, connection refused): docker's IsErrConnectionFailed. */
export class EngineUnreachableError extends DkrError {
  constructor(host: string) {
    super(`Cannot connect to the Docker daemon at ${host}. Is the docker daemon running?`)
    this.name = 'EngineUnreachableError'
  }
}

/** The user interrupted (Ctrl-C: 130) or the process was asked to stop (SIGTERM: 143). Prints nothing. */
export class CancelledError extends Error {
  readonly exitCode: number

  constructor(signal: 'SIGINT' | 'SIGTERM' = 'SIGINT') {
    super(`cancelled by ${signal}`)
    this.name = 'CancelledError'
    this.exitCode = signal === 'SIGTERM' ? 143 : 130
  }
}

export function isCancelled(error: unknown): error is CancelledError {
  return error instanceof CancelledError
}

/** The cancellation an aborted signal stands for (its reason is the signal's name). */
export function cancelledBy(signal: AbortSignal): CancelledError {
  return new CancelledError(signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT')
}

/** Go's crypto/x509 words, as docker prints them, for a certificate that no trusted CA signed. */
export const unknownAuthority = 'tls: failed to verify certificate: x509: certificate signed by unknown authority'

const unknownAuthorityCodes = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'])

/** Whether Node's TLS error code means the certificate chain ends at no trusted CA. */
export function isUnknownAuthority(code: string | undefined): boolean {
  return unknownAuthorityCodes.has(code ?? '')
}
