// The standalone executable's main script (scripts/build.js --standalone bundles it with bin/start.js;
// scripts/standalone makes the executable). A single executable's main script can require Node's
// built-in modules only, yet oclif finds dkr, its plugins and their commands by path: it reads package.json
// files and manifests (through readJson, which the build edits to ask __dkrEmbedded first) and requires or
// imports command and hook modules. The executable serves them from memory, under a root that can never
// be a directory on disk: the executable's own path (`/usr/local/bin/dkr/package.json` is no one's file).
// Its modules are in two bundles: dkr.cjs, what bin/run.js's dist/dkr.cjs holds, and extras.cjs (the
// plugins, chalk, conf, ora, dockerode's ssh and BuildKit parts), run the first time one of those is asked for.
const {isBuiltin} = require('node:module')
const {join, relative} = require('node:path')
const sea = require('node:sea')
const {fileURLToPath} = require('node:url')
const {loadBundle, start} = require('../bin/start.js')

const root = process.execPath

/** An asset's bytes as a string, or undefined when the executable has no such asset. */
function asset(key, encoding = 'utf8') {
  try {
    return Buffer.from(sea.getRawAsset(key)).toString(encoding)
  } catch {
    return undefined
  }
}

globalThis.__dkrEmbedded = {
  /** The JSON files oclif reads, assets named by their path under the root. */
  file: (path) => (path.startsWith(`${root}/`) ? asset(relative(root, path)) : undefined),
  /** Functions that evaluate a bundled module, by the name or absolute path it is asked for by; the bundles' entries fill this in. */
  modules: new Map(),
  path: (relativePath) => join(root, relativePath),
  /** Registers a name extras.cjs holds: asked for, it runs extras.cjs, whose entry registers the real module. */
  inExtras: (key) => {
    const placeholder = () => {
      loadExtras()
      const module = globalThis.__dkrEmbedded.modules.get(key)
      if (module === placeholder) throw notFound(key, 'MODULE_NOT_FOUND')
      return module()
    }
    globalThis.__dkrEmbedded.modules.set(key, placeholder)
  },
}

const notFound = (id, code) => Object.assign(new Error(`Cannot find module '${id}' in the dkr executable`), {code})

let extrasLoaded = false

function loadExtras() {
  if (extrasLoaded) return
  extrasLoaded = true
  loadBundle(join(root, 'dist', 'extras.cjs'), () => asset('extras.cjs', 'latin1'), () => asset('extras.cjs.sha256'), standaloneRequire)
}

/** The bundles' require: Node's built-ins, then the embedded modules. */
function standaloneRequire(id) {
  if (isBuiltin(id)) return require(id)
  const module = globalThis.__dkrEmbedded.modules.get(id)
  if (!module) throw notFound(id, 'MODULE_NOT_FOUND')
  return module()
}

standaloneRequire.resolve = (id) => {
  if (isBuiltin(id) || globalThis.__dkrEmbedded.modules.has(id)) return id
  throw notFound(id, 'MODULE_NOT_FOUND')
}

standaloneRequire.cache = Object.create(null)

// The bundle's import() (scripts/build.js routes it here): embedded modules by file URL, and Node's
// built-ins as an ES namespace gives them.
globalThis.__dkrImport = async (specifier) => {
  const path = specifier.startsWith('file:') ? fileURLToPath(specifier) : specifier
  if (isBuiltin(path)) {
    const module = require(path)
    return {...module, default: module}
  }
  const module = globalThis.__dkrEmbedded.modules.get(path)
  if (!module) throw notFound(specifier, 'ERR_MODULE_NOT_FOUND')
  return module()
}

start({
  args: process.argv.slice(2),
  bundle: join(root, 'dist', 'dkr.cjs'),
  hash: () => asset('dkr.cjs.sha256'),
  pjson: () => JSON.parse(asset('package.json')),
  require: standaloneRequire,
  root,
  // ASCII (scripts/build.js): latin1 is the cheapest exact decoding.
  source: () => asset('dkr.cjs', 'latin1'),
})
