// dockerode loads ssh2 (through docker-modem) and gRPC + protobufjs (for BuildKit sessions) when it is
// imported, about 130 modules and a third of dkr's start-up, though dkr needs ssh2 only for ssh://
// engines and never needs BuildKit. Both are modules exporting one function, so they are put in the
// require cache as stand-ins that load the real module the first time they are called.
import {createRequire, Module} from 'node:module'

const require = createRequire(import.meta.url)

/** Specifiers, relative to dockerode's main module (lib/docker.js), of the one-function modules dkr defers. */
const sshModule = 'docker-modem/lib/ssh.js'
const sessionModule = './session.js'

function defer(path: string): void {
  if (require.cache[path]) return
  let real: ((...args: unknown[]) => unknown) | undefined
  const standIn = new Module(path)
  standIn.filename = path
  standIn.loaded = true
  standIn.exports = function deferred(this: unknown, ...args: unknown[]) {
    if (!real) {
      delete require.cache[path]
      real = require(path) as (...args: unknown[]) => unknown
    }

    return real.apply(this, args)
  }

  require.cache[path] = standIn
}

/** Call before importing dockerode. `ssh`: the engine is reached over ssh, so ssh2 is needed now anyway. */
export function deferHeavyDockerodeModules(options: {ssh: boolean}): void {
  let fromDockerode: NodeJS.Require
  try {
    fromDockerode = createRequire(require.resolve('dockerode'))
  } catch {
    return
  }

  for (const specifier of options.ssh ? [sessionModule] : [sessionModule, sshModule]) {
    try {
      defer(fromDockerode.resolve(specifier))
    } catch {
      // A dockerode release that moved these files: it still works, only starts slower.
    }
  }
}
