// The engine stack started by scripts/test (scripts/engine-stack): its addresses, and small engine chores.
import {docker, baseEnv} from './run.js'

export function required(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set: run the end-to-end tests through \`npm test\` (it starts the engine stack)`)
  return value
}

export const stack = {
  get dockerHost() { return required('DOCKER_HOST') },
  get dir() { return required('DKR_STACK_DIR') },
  get privateRegistry() { return required('DKR_PRIVATE_REGISTRY') },
  get privateUser() { return required('DKR_PRIVATE_USER') },
  get privatePassword() { return required('DKR_PRIVATE_PASSWORD') },
  get registry() { return required('DKR_REGISTRY') },
  get slowRegistry() { return required('DKR_SLOW_REGISTRY') },
  /** dockerd's mutual-TLS listener, the client's ca.pem/cert.pem/key.pem, and a CA that did not sign the engine. */
  get tlsHost() { return required('DKR_TLS_HOST') },
  get tlsCerts() { return required('DKR_TLS_CERTS') },
  get tlsWrongCa() { return required('DKR_TLS_WRONG_CA') },
  /** The Notary server holding signed/app (1.0 in targets, 2.0 in targets/releases; `unsigned` is not signed). */
  get notaryServer() { return required('DKR_NOTARY_SERVER') },
}

/**
 * Removes images from the stack's engine so the next pull downloads for real. The containerd image
 * store keeps a deleted image's blobs under a lease for hours (for `docker image prune`), and a pull
 * that finds every blob present prints no layer lines at all: the prune drops those leases.
 */
export async function removeImages(...references: string[]): Promise<void> {
  await docker(['image', 'rm', '-f', ...references], {env: baseEnv()})
  await docker(['image', 'prune', '-f'], {env: baseEnv()})
}

export async function imageExists(reference: string): Promise<boolean> {
  const result = await docker(['image', 'inspect', reference], {env: baseEnv()})
  return result.code === 0
}

/** Every image the engine holds, so a test can start from an empty engine. */
export async function removeAllImages(): Promise<void> {
  const listed = await docker(['image', 'ls', '-q'], {env: baseEnv()})
  const ids = [...new Set(listed.stdout.split('\n').filter(Boolean))]
  if (ids.length > 0) await removeImages(...ids)
}
