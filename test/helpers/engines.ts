// The real engines the main pull and login tests run against, as a matrix: the stack's dockerd and its
// podman service. Where they differ, the engine says what to expect (../shared/notes/engines.md §1).
import {before} from 'node:test'
import {required} from './stack.js'

export interface EngineUnderTest {
  name: 'dockerd' | 'podman'
  /** DOCKER_HOST for this engine. */
  host: string
  /**
   * The private registry as this engine's logins and pulls name it: podman's /auth ignores its own
   * insecure-registry list and speaks plain HTTP only to `localhost:PORT`.
   */
  privateRegistry: string
  /** What the engine answers a pull of the private image without (working) credentials. */
  refusedPull: RegExp
}

/** Read when the suites are defined, inside `npm test` (which has set the stack's environment). */
export function enginesUnderTest(): EngineUnderTest[] {
  const privateRegistry = required('DKR_PRIVATE_REGISTRY')
  return [
    {host: required('DOCKER_HOST'), name: 'dockerd', privateRegistry, refusedPull: /no basic auth credentials/},
    {host: required('DKR_PODMAN_HOST'), name: 'podman', privateRegistry: privateRegistry.replace('127.0.0.1:', 'localhost:'), refusedPull: /unauthorized: authentication required/},
  ]
}

/**
 * Points the enclosing describe at this engine: from its first test on, the stack's DOCKER_HOST and
 * private registry name are this engine's (every helper reads them from the environment). Not put
 * back afterwards, so cleanup hooks still reach this engine: a later suite in the file sets its own.
 */
export function useEngine(engine: EngineUnderTest): void {
  before(() => {
    process.env.DOCKER_HOST = engine.host
    process.env.DKR_PRIVATE_REGISTRY = engine.privateRegistry
  })
}
