// How dkr starts, for bin/run.js (installed from npm) and the standalone executable (scripts/standalone):
// `--version` answered at once; anything else runs the bundle scripts/build.js made, compiled with a V8
// code cache. CommonJS (bin/package.json), because an ES module entry costs Node's ES loader, some
// 10 ms, on every run.
const {Module} = require('node:module')
const {closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} = require('node:fs')
const {dirname, join} = require('node:path')

/**
 * @param {object} options
 * @param {string[]} options.args the command line after the program's name
 * @param {string} options.root dkr's root directory, where oclif finds package.json and the manifest
 * @param {() => {name: string, version: string}} options.pjson dkr's package.json, read for --version only
 * @param {string} options.bundle the bundle's path, which it runs as
 * @param {() => string} options.source the bundle's text
 * @param {() => string | undefined} options.hash the bundle's build-time hash, the code cache's key (none: no cache)
 * @param {NodeJS.Require} options.require what the bundle's require is
 */
exports.start = async function start({args, bundle, hash, pjson, require: bundleRequire, root, source}) {
  if (args.length === 1 && args[0] === '--version') {
    // Scripts ask for this often: answered without loading oclif, in oclif's own format (its config.userAgent).
    const {name, version} = pjson()
    process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
    return
  }

  const {main} = loadBundle(bundle, source, hash, bundleRequire)
  await main(args, root)
}

/**
 * Runs the CommonJS bundle as `require` would, and registers it in the require cache (oclif requires it
 * again for its commands and hook). It is compiled with the code V8 cached for this very bundle and Node
 * ($XDG_CACHE_HOME/dkr/code-cache); with none, or one V8 rejects, it is compiled from source and the
 * cache is written at exit. It is written again at exit when the run took a code path the cache does
 * not list (src/lib/io/code-paths.ts: a command, a verification mechanism), so that path's functions are
 * compiled from the cache too. A missing, stale or unwritable cache only costs time.
 */
exports.loadBundle = loadBundle
function loadBundle(file, source, hash, bundleRequire) {
  const cacheFile = codeCachePath(hash)
  const cached = cacheFile && readCodeCache(cacheFile)

  const {Script} = require('node:vm')
  const script = new Script(Module.wrap(source()), {cachedData: cached?.data, filename: file})
  // Shared by the bundles a run loads (the standalone executable has two, each with its cache).
  const taken = (globalThis.__dkrCodePaths ??= new Set())
  if (cacheFile) {
    process.once('exit', () => {
      const listed = cached && !script.cachedDataRejected ? cached.paths : undefined
      if (listed === undefined || [...taken].some((path) => !listed.includes(path))) saveCodeCache(script, cacheFile, [...new Set([...(listed ?? []), ...taken])])
    })
  }

  // Code compiled from a cache has no dynamic-import handler: the build routes the bundle's import() here
  // (the standalone executable has its own).
  globalThis.__dkrImport ??= (specifier) => import(specifier)
  const module = new Module(file)
  module.filename = file
  bundleRequire.cache[file] = module
  script.runInThisContext()(module.exports, bundleRequire, module, file, dirname(file))
  module.loaded = true
  return module.exports
}

/** One file per bundle (its build-time hash), Node version and architecture; undefined without a hash. */
function codeCachePath(hash) {
  try {
    const key = hash()
    if (!key) return undefined
    const dir = process.env.DKR_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(require('node:os').homedir(), '.cache'), 'dkr')
    return join(dir, 'code-cache', `${key.slice(0, 32)}-${process.version}-${process.arch}.bin`)
  } catch {
    return undefined
  }
}

/**
 * The file is a CRC-32 of what follows it, the code paths the cache was made by (their length in two
 * bytes, then the names, one per line), then V8's data. V8 checks the data's header (its version, flags,
 * the source's length) but not the rest, so a damaged file is refused here: undefined, as for none.
 * Checking the CRC costs loading zlib and reading every byte (some 3 ms of a 100 ms pull), so the file
 * that last passed is recorded (code-cache.verified, beside the caches' directory) by what any write,
 * truncation or replacement of it changes: its device, inode, size and change time. The runs after take
 * that very file without checking again.
 */
function readCodeCache(cacheFile) {
  let fd
  try {
    fd = openSync(cacheFile, 'r')
    const file = readFileSync(fd)
    if (file.length < 6) return undefined
    const pathsEnd = 6 + file.readUInt16LE(4)
    if (file.length <= pathsEnd) return undefined
    const cached = {data: file.subarray(pathsEnd), paths: file.toString('latin1', 6, pathsEnd).split('\n').filter(Boolean)}
    const stat = fstatSync(fd, {bigint: true})
    const identity = `${cacheFile} ${stat.dev} ${stat.ino} ${stat.size} ${stat.ctimeNs}\n`
    const record = join(dirname(dirname(cacheFile)), 'code-cache.verified')
    if (readIfAny(record) === identity) return cached
    if (file.readUInt32LE(0) !== require('node:zlib').crc32(file.subarray(4))) return undefined
    // Recorded only for a file changed more than 2 s ago: on a file system that keeps change times to
    // the second, a file damaged within the second it was checked would keep its identity.
    if (Date.now() - Number(stat.ctimeMs) > 2000) writeIfAble(record, identity)
    return cached
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

function readIfAny(file) {
  try {
    return readFileSync(file, 'latin1')
  } catch {
    return undefined
  }
}

function writeIfAble(file, text) {
  try {
    writeFileSync(file, text)
  } catch {}
}

/** How many caches (of different bundles or Node versions) are kept: the newest. */
const keptCodeCaches = 4

/** Written whole (temp file, then rename); the oldest caches beyond keptCodeCaches are removed. */
function saveCodeCache(script, cacheFile, paths) {
  const dir = dirname(cacheFile)
  const temp = `${cacheFile}.${process.pid}.tmp`
  try {
    mkdirSync(dir, {recursive: true})
    const names = Buffer.from(paths.join('\n'), 'latin1')
    const header = Buffer.alloc(6)
    header.writeUInt16LE(names.length, 4)
    const file = Buffer.concat([header, names, script.createCachedData()])
    file.writeUInt32LE(require('node:zlib').crc32(file.subarray(4)), 0)
    writeFileSync(temp, file)
    renameSync(temp, cacheFile)
    // Two installs of dkr (or two Node versions) each keep theirs; older ones go.
    const caches = readdirSync(dir).filter((name) => name.endsWith('.bin')).map((name) => ({mtime: statSync(join(dir, name)).mtimeMs, path: join(dir, name)}))
    for (const {path} of caches.sort((a, b) => b.mtime - a.mtime).slice(keptCodeCaches)) rmSync(path, {force: true})
  } catch {
    try {
      rmSync(temp, {force: true})
    } catch {}
  }
}
