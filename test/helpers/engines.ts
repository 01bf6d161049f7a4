// The real engines the pull, terminal, login, trust and fault suites run against, as a matrix: the
// stack's dockerd 20.10 (graph-driver store), Docker Engine 28 with the containerd image store, and its
// podman service. Where they differ, the engine says what to expect.
import {after, before, describe} from 'node:test'
import {required} from './stack.js'

export type EngineKind = 'dockerd' | 'containerd-store' | 'podman'

export interface EngineUnderTest {
  kind: EngineKind
  /** What test names show: which engine and image store the suite ran on. */
  name: string
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
    {host: required('DOCKER_HOST'), kind: 'dockerd', name: 'dockerd 20.10, graph-driver store', privateRegistry, refusedPull: /no basic auth credentials/},
    {
      host: required('DKR_MODERN_HOST'),
      kind: 'containerd-store',
      name: `Docker Engine ${required('DKR_MODERN_VERSION')}, containerd image store`,
      privateRegistry,
      refusedPull: /pull access denied, repository does not exist or may require authorization: authorization failed: no basic auth credentials/,
    },
    {host: required('DKR_PODMAN_HOST'), kind: 'podman', name: 'podman 4.3', privateRegistry: privateRegistry.replace('127.0.0.1:', 'localhost:'), refusedPull: /unauthorized: authentication required/},
  ]
}

/** The two Docker engines, for suites that test what podman does not have (content trust's tagging, -a). */
export function dockerEnginesUnderTest(): EngineUnderTest[] {
  return enginesUnderTest().filter((engine) => engine.kind !== 'podman')
}

/**
 * A describe whose tests run on `engine`: the stack's DOCKER_HOST and private registry name are this
 * engine's (every helper reads them from the environment) from its first hook on, through its own cleanup
 * hooks, and put back afterwards, so the suites after it reach the stack's default engine again.
 * Test names end with the engine.
 */
export function describeEngine(engine: EngineUnderTest, title: string, body: () => void): void {
  describe(`${title}: ${engine.name}`, () => {
    const saved = {host: process.env.DOCKER_HOST, privateRegistry: process.env.DKR_PRIVATE_REGISTRY}
    before(() => {
      process.env.DOCKER_HOST = engine.host
      process.env.DKR_PRIVATE_REGISTRY = engine.privateRegistry
    })
    body()
    // Registered after the body's hooks, so it runs after them.
    after(() => {
      process.env.DOCKER_HOST = saved.host
      process.env.DKR_PRIVATE_REGISTRY = saved.privateRegistry
    })
  })
}
