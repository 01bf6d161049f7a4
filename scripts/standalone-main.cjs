// The standalone executable's main script (scripts/build.js --standalone bundles it with bin/start.js;
// scripts/standalone makes the executable). A single executable's main script can require Node's
// built-in modules only, yet oclif finds dkr, its plugins and their commands by path: it reads package.json
// files and manifests (through readJson, which the build edits to ask __dkrEmbedded first) and requires or
// imports command and hook modules. The executable serves them from memory, under a root that can never
// be a directory on disk: the executable's own path (`/usr/local/bin/dkr/package.json` is no one's file).
const {isBuiltin} = require('node:module')
const {join, relative} = require('node:path')
const sea = require('node:sea')
const {fileURLToPath} = require('node:url')
const {start} = require('../bin/start.js')

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
  /** The bundled modules oclif loads, by absolute path; the bundle's entry fills this in. */
  modules: new Map(),
  path: (relativePath) => join(root, relativePath),
}

const notFound = (id, code) => Object.assign(new Error(`Cannot find module '${id}' in the dkr executable`), {code})

/** The bundle's require: its embedded modules, then Node's built-ins. */
function standaloneRequire(id) {
  const embedded = globalThis.__dkrEmbedded.modules.get(id)
  return embedded ? embedded() : require(id)
}

standaloneRequire.resolve = (id) => {
  if (globalThis.__dkrEmbedded.modules.has(id) || isBuiltin(id)) return id
  throw notFound(id, 'MODULE_NOT_FOUND')
}

standaloneRequire.cache = Object.create(null)

// The bundle's import() (scripts/build.js routes it here): embedded modules by file URL, and Node's
// built-ins as an ES namespace gives them.
globalThis.__dkrImport = async (specifier) => {
  const path = specifier.startsWith('file:') ? fileURLToPath(specifier) : specifier
  const embedded = globalThis.__dkrEmbedded.modules.get(path)
  if (embedded) return embedded()
  if (!isBuiltin(path)) throw notFound(specifier, 'ERR_MODULE_NOT_FOUND')
  const module = require(path)
  return {...module, default: module}
}

start({
  args: process.argv.slice(2),
  bundle: join(root, 'dist', 'dkr.cjs'),
  hash: () => asset('dkr.cjs.sha256'),
  pjson: JSON.parse(asset('package.json')),
  require: standaloneRequire,
  root,
  // ASCII (scripts/build.js): latin1 is the cheapest exact decoding.
  source: () => asset('dkr.cjs', 'latin1'),
})
