#!/usr/bin/env node
// Bundles dkr into one CommonJS file, dist/dkr.cjs, with esbuild: src/main.ts for bin/run.js, the
// hook, and COMMANDS, the map oclif's `explicit` command strategy reads (package.json), whose entries
// are getters: a command's module (and what it imports) is evaluated only when oclif asks for that
// command. One file, because bin/run.js compiles it with a V8 code cache, which
// works for scripts only; reading one file instead of some 500 modules is most of what a start-up
// costs (`npm run bench:startup`; the README has the figures).
//   node scripts/build.js                     dist/dkr.cjs, for bin/run.js
//   node scripts/build.js --standalone DIR    what scripts/standalone makes its executable of, in DIR
import {build} from 'esbuild'
import {createHash} from 'node:crypto'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join, relative, resolve} from 'node:path'
import {parseArgs} from 'node:util'

const {values: argv} = parseArgs({options: {standalone: {type: 'string'}}})
/**
 * The standalone build is self-sufficient: a single executable's scripts can require Node's built-in
 * modules only, so everything else is bundled, and what oclif reads and loads by path is served from the
 * executable (scripts/standalone-main.cjs). Two bundles, so that a pull reads and compiles no more than
 * through bin/run.js: dkr.cjs is dist/dkr.cjs's code, and extras.cjs holds what the normal build leaves in
 * node_modules (loadedWhenUsed, the deferred files, the plugins), evaluated when one of them is first asked for.
 */
const standalone = argv.standalone !== undefined

/** Packages dkr imports only on some paths: left in node_modules, so they cost nothing elsewhere. */
const loadedWhenUsed = ['chalk', 'conf', 'ora']

/**
 * Files dockerode requires at start-up but only calls on paths dkr seldom or never takes: ssh2 for
 * ssh:// engines, gRPC for BuildKit sessions, protobufjs for BuildKit builds. Each exports one
 * function; the bundle gets a stand-in that requires the real file from node_modules on first call.
 */
const deferred = [
  {importer: /docker-modem\/lib\/modem\.js$/, specifier: './ssh', real: 'docker-modem/lib/ssh.js'},
  {importer: /dockerode\/lib\/docker\.js$/, specifier: './session', real: 'dockerode/lib/session.js'},
  {importer: /dockerode\/lib\/docker\.js$/, specifier: './buildkit', real: 'dockerode/lib/buildkit.js'},
]

/** @type {import('esbuild').Plugin} */
const deferOnFirstCall = {
  name: 'defer-on-first-call',
  setup(bundle) {
    const specifiers = new RegExp(`^(${deferred.map((entry) => entry.specifier.replace('.', '\\.')).join('|')})$`)
    bundle.onResolve({filter: specifiers}, ({importer, path}) => {
      const match = deferred.find((entry) => entry.specifier === path && entry.importer.test(importer))
      return match && {namespace: 'deferred', path: match.real}
    })
    bundle.onLoad({filter: /.*/, namespace: 'deferred'}, ({path}) => ({
      // Resolved from dockerode, whose own dependencies (docker-modem) sit beside it; the standalone
      // executable serves the file from its extras bundle.
      contents: `
        let real
        module.exports = function deferred(...args) {
          real ??= ${standalone ? `require(${JSON.stringify(path)})` : `require('node:module').createRequire(require('node:module').createRequire(__filename).resolve('dockerode'))(${JSON.stringify(path)})`}
          return real.apply(this, args)
        }`,
      loader: 'js',
    }))
  },
}

/**
 * Start-up costs in the packages with no effect in dkr's bundle, edited out as they are bundled (the
 * build fails if the text is not found, e.g. after an upgrade):
 * - @oclif/core's checkNodeVersion loads semver to compare Node with @oclif/core's package.json, which the
 *   bundle does not have: it always throws and is caught.
 * - oclif's Plugin.load sorts the command ids with localeCompare, whose first call sets up ICU's collator
 *   (6 to 10 ms). For ids made of a-z, ':' and '-' (all of dkr's and its plugins') the collator's order
 *   is the code-unit order (test/lib/build/oclif-edits.test.ts); other ids still go to localeCompare.
 * - @oclif/core 5's Config.load asks wsl-utils whether it runs under WSL, and wsl-utils loads child_process
 *   (with dgram and readline), fs/promises and PowerShell helpers for that: its isWsl is is-wsl's, asked
 *   directly.
 * - docker-modem formats every request's options with util.inspect (showHidden, unlimited depth, the
 *   agent included) for a debug line, printed or not: formatted only when DEBUG enables it.
 * - docker-modem keeps an engine's whole answer in memory (a JSON answer, and the body of an error status
 *   even on a stream), however long: an engine that never stops would fill dkr's memory. Past 8 MiB (an
 *   image record or an error message is a few KiB) the request fails instead.
 */
const bundleEdits = [
  {file: /@oclif\/core\/lib\/index\.js$/, from: '\ncheckNodeVersion();\n', to: '\n'},
  {
    file: /@oclif\/core\/lib\/config\/plugin\.js$/,
    from: '.sort((a, b) => a.id.localeCompare(b.id));',
    to: `.sort((a, b) => (/^[a-z:-]*$/.test(a.id + b.id) ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.id.localeCompare(b.id)));`,
  },
  {file: /@oclif\/core\/lib\/util\/os\.js$/, from: "return (await import('wsl-utils')).isWsl ? 'wsl'", to: "return (await import('is-wsl')).default ? 'wsl'"},
  {file: /docker-modem\/lib\/modem\.js$/, from: "\n  debug('Sending: %s', util.inspect(options, {", to: "\n  if (debug.enabled) debug('Sending: %s', util.inspect(options, {"},
  {
    file: /docker-modem\/lib\/modem\.js$/,
    from: `      var chunks = [];
      res.on('data', function (chunk) {
        chunks.push(chunk);
      });`,
    to: `      var chunks = [];
      var received = 0;
      res.on('data', function (chunk) {
        chunks.push(chunk);
        received += chunk.length;
        if (received > 8388608) req.destroy(Object.assign(new Error('the engine sent an answer larger than 8388608 bytes'), {code: 'DKR_ENGINE_ANSWER_TOO_LARGE'}));
      });`,
  },
  {
    file: /docker-modem\/lib\/modem\.js$/,
    from: `      res.on('data', function (chunk) {
        chunks += chunk;
      });`,
    to: `      res.on('data', function (chunk) {
        chunks += chunk;
        if (chunks.length > 8388608) {
          res.destroy();
          handler(Object.assign(new Error('the engine sent an error answer larger than 8388608 bytes'), {code: 'DKR_ENGINE_ANSWER_TOO_LARGE'}), null);
        }
      });`,
  },
  // docker-modem builds a TCP, TLS or ssh engine's request URL with url.parse, url.format and url.resolve.
  // Node 24 warns (DEP0169) on stderr the first time code outside node_modules calls them, and the bundle
  // is outside node_modules in a checkout and in the standalone executable: `-q` output and one-line errors
  // would carry two lines of warning. The WHATWG URL builds the same URL; dkr's engine host is always a bare
  // name or address (src/lib/engine/endpoint.ts), an IPv6 one without brackets.
  {
    file: /docker-modem\/lib\/modem\.js$/,
    from: `    var parsed = url.parse(this.host);
    address = url.format({
      protocol: parsed.protocol || this.protocol,
      hostname: parsed.hostname || this.host,
      port: this.port,
      pathname: parsed.pathname || this.pathPrefix,
    });
    address = url.resolve(address, options.path);`,
    to: `    var bracketed = this.host.includes(':') && !this.host.startsWith('[') ? '[' + this.host + ']' : this.host;
    address = new URL(options.path, (this.protocol || 'http') + '://' + bracketed + (this.port ? ':' + this.port : '') + (this.pathPrefix || '/')).href;`,
  },
  {
    file: /docker-modem\/lib\/modem\.js$/,
    from: `    var urlp = url.parse(address);
    optionsf.hostname = urlp.hostname;
    optionsf.port = urlp.port;
    optionsf.path = urlp.path;`,
    to: `    var urlp = new URL(address);
    optionsf.hostname = urlp.hostname.replace(/^\\[|\\]$/g, '');
    optionsf.port = urlp.port;
    optionsf.path = urlp.pathname + urlp.search;`,
  },
  // The same for an engine's redirect, which also must not crash dkr: a Location that is no http(s) URL
  // (docker-modem looked up a client for any scheme and threw) is answered as the response it came in.
  {
    file: /docker-modem\/lib\/http\.js$/,
    from: `          var redirectUrl = url.resolve(reqUrl, res.headers.location);

          var proto = url.parse(redirectUrl).protocol;
          proto = proto.substr(0, proto.length - 1);`,
    to: `          var redirectUrl = URL.parse(res.headers.location, reqUrl);
          var proto = redirectUrl && redirectUrl.protocol.slice(0, -1);
          if (proto !== 'http' && proto !== 'https') return redirect.userCallback(res);
          redirectUrl = redirectUrl.href;`,
  },
  // The standalone build only: every JSON file oclif reads (package.json files, manifests) goes through
  // readJson, which takes the executable's embedded copy first.
  ...(standalone
    ? [{file: /@oclif\/core\/lib\/util\/fs\.js$/, from: "await (0, promises_1.readFile)(path, 'utf8');", to: "__dkrEmbedded.file(path) ?? await (0, promises_1.readFile)(path, 'utf8');"}]
    : []),
]

/** @type {import('esbuild').Plugin} */
const editPackages = {
  name: 'edit-packages',
  setup(bundle) {
    // esbuild takes the first onLoad that answers for a file: one callback applies all of a file's edits.
    const files = new RegExp(bundleEdits.map((edit) => edit.file.source).join('|'))
    bundle.onLoad({filter: files}, ({path}) => {
      let source = readFileSync(path, 'utf8')
      for (const edit of bundleEdits.filter(({file}) => file.test(path))) {
        if (!source.includes(edit.from)) throw new Error(`${path} no longer has ${JSON.stringify(edit.from)}: review scripts/build.js's bundleEdits`)
        source = source.replace(edit.from, edit.to)
      }
      return {contents: source, loader: 'js'}
    })
  },
}

/**
 * Node modules that oclif, dockerode and dkr load at start-up but a pull over a unix socket never calls:
 * TLS, HTTPS, crypto, child processes, readline, zlib, performance timers, and fs/promises, whose few path
 * functions a start-up calls fs serves (firstUseBanner). Each is left out of the bundle as `first-use:NAME`,
 * which rewriteRequires turns into a stand-in that requires the real module when a property is first read.
 * (A default or namespace import still loads it at once: esbuild copies its properties.)
 */
const loadedOnFirstUse = /^(node:)?(child_process|crypto|dgram|fs\/promises|https|perf_hooks|readline|tls|zlib)$/

/** @type {import('esbuild').Plugin} */
const requireOnFirstUse = {
  name: 'require-on-first-use',
  setup(bundle) {
    // A dynamic import() is already lazy.
    bundle.onResolve({filter: loadedOnFirstUse}, ({kind, path}) => (kind === 'dynamic-import' ? undefined : {external: true, path: `first-use:${path}`}))
  },
}

/**
 * Packages that oclif and dockerode require when they load but call only on paths a command seldom takes:
 * file globbing and plugin patterns (oclif finds commands and plugins that way only without a manifest),
 * help templates (ejs), error formatting (clean-stack, wrap-ansi, the terminal width), the spinner's frames,
 * tar for image builds. Each importer gets a stand-in that requires the package when first used, as for
 * loadedOnFirstUse; the build finds out whether the package is a function and what its `__esModule` is, so
 * that `__importDefault` and calls need not load it.
 */
const packagesOnFirstUse = [
  {importer: /@oclif\/core\/lib\/config\/plugin\.js$/, specifier: 'tinyglobby'},
  {importer: /@oclif\/core\/lib\/config\/plugin-loader\.js$/, specifier: 'minimatch'},
  // oclif looks for an .oclifrc only for a package.json without oclif settings (lilconfig takes fs.promises as it loads).
  {importer: /@oclif\/core\/lib\/util\/read-pjson\.js$/, specifier: 'lilconfig'},
  {importer: /@oclif\/core\/lib\/(config\/config|help\/util)\.js$/, specifier: 'ejs'},
  {importer: /@oclif\/core\/lib\/errors\/(handle|errors\/cli)\.js$/, specifier: 'clean-stack'},
  {importer: /@oclif\/core\/lib\/(errors\/errors\/(cli|pretty-print)|help\/formatter)\.js$/, specifier: 'wrap-ansi'},
  {importer: /@oclif\/core\/lib\/(errors\/errors\/(cli|pretty-print)|ux\/action\/spinner|ux\/list|help\/formatter)\.js$/, specifier: /^(\.\.\/)+screen$/},
  {importer: /@oclif\/core\/lib\/ux\/action\/spinner\.js$/, specifier: 'cli-spinners'},
  {importer: /dockerode\/lib\/util\.js$/, specifier: 'tar-fs'},
]

/** @type {import('esbuild').Plugin} */
const packageOnFirstUse = {
  name: 'package-on-first-use',
  setup(bundle) {
    const matches = (entry, path) => (typeof entry.specifier === 'string' ? entry.specifier === path : entry.specifier.test(path))
    bundle.onResolve({filter: /^[^./]|^\.\.\//}, async ({importer, kind, namespace, path, resolveDir}) => {
      if (namespace !== 'file' || kind !== 'require-call') return undefined
      if (!packagesOnFirstUse.some((entry) => entry.importer.test(importer) && matches(entry, path))) return undefined
      const resolved = await bundle.resolve(path, {importer, kind, resolveDir})
      if (resolved.errors.length > 0) return {errors: resolved.errors}
      // Named by its path in the checkout: the bundle holds no machine's paths.
      return {namespace: 'package-on-first-use', path: relative('.', resolved.path)}
    })
    // The stand-in's own require of the package (a ./ path) resolves as usual.
    bundle.onLoad({filter: /.*/, namespace: 'package-on-first-use'}, ({path}) => {
      const real = createRequire(import.meta.url)(resolve(path))
      const shape = {callable: typeof real === 'function', esModule: Boolean(real.__esModule)}
      return {contents: `module.exports = __dkrOnFirstUse(() => require(${JSON.stringify(`./${path}`)}), ${JSON.stringify(shape)})`, loader: 'js', resolveDir: resolve('.')}
    })
  },
}

/** Defined at the top of the bundle: the stand-ins of packagesOnFirstUse, and of the `first-use:` requires (loadedOnFirstUse). */
const firstUseBanner = `function __dkrOnFirstUse(load, {callable = false, esModule, served = {}} = {}) {
  let real
  const loaded = () => (real ??= load())
  const standIn = new Proxy(callable ? () => {} : {}, {
    apply: (_, self, args) => Reflect.apply(loaded(), self, args),
    get: (_, key) =>
      Object.hasOwn(served, key) ? served[key] : key === '__esModule' && esModule !== undefined && real === undefined ? esModule : loaded()[key],
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(loaded(), key)
      return descriptor && {...descriptor, configurable: true}
    },
    has: (_, key) => key in loaded(),
    ownKeys: () => Reflect.ownKeys(loaded()),
    // An object whose prototype is the module (docker-modem does that to https) gets its own property.
    set: (_, key, value, receiver) =>
      receiver === standIn ? Reflect.set(loaded(), key, value) : Reflect.defineProperty(receiver, key, {configurable: true, enumerable: true, value, writable: true}),
  })
  return standIn
}
function __dkrFirstUse(name) {
  if (name.replace(/^node:/, '') !== 'fs/promises') return __dkrOnFirstUse(() => require(name))
  // fs/promises loads FileHandle's stream and readline internals: the path functions start-up calls are
  // fs's own, promisified (the same results and errors); anything else loads fs/promises.
  const fs = require('node:fs')
  const {promisify} = require('node:util')
  const served = {constants: fs.constants, ...Object.fromEntries(['access', 'mkdir', 'readFile', 'rename', 'stat', 'writeFile'].map((key) => [key, promisify(fs[key])]))}
  return __dkrOnFirstUse(() => require(name), {served})
}`

/** Command ids as oclif's pattern strategy names them: image/pull.ts is image:pull, autocomplete/index.ts is autocomplete. */
const commands = readdirSync('src/commands', {recursive: true})
  .filter((file) => file.endsWith('.ts'))
  .sort()
  .map((file) => ({file: join('src/commands', file), id: file.replace(/\.ts$/, '').replace(/(^|\/)index$/, '').split('/').join(':')}))

const {oclif} = JSON.parse(readFileSync('package.json', 'utf8'))
/** The plugins package.json names, by their directories. */
const plugins = oclif.plugins.map((name) => join('node_modules', name))
/** What oclif reads by path in the standalone executable: dkr's and each plugin's package.json and manifest. */
const embeddedFiles = ['', ...plugins].flatMap((dir) => [join(dir, 'package.json'), join(dir, 'oclif.manifest.json')])
/** What the standalone executable's extras.cjs holds (extrasModules). */
const extrasHeld = standalone ? extrasModules() : []

/** The bundle's entry: what bin/run.js and oclif (package.json's oclif.commands and oclif.hooks) take from it. */
const entry = [
  "import {main} from './src/main.ts'",
  "import commandNotFound from './src/hooks/command-not-found.ts'",
  'const COMMANDS = {}',
  ...commands.map(({file, id}) => `Object.defineProperty(COMMANDS, ${JSON.stringify(id)}, {enumerable: true, get: () => require(${JSON.stringify(`./${file}`)}).default})`),
  'export {COMMANDS, commandNotFound, main}',
  // The standalone bundle registers (scripts/standalone-main.cjs) itself, at the path oclif requires it
  // by (the commands and the hook); @oclif/core, which the plugins in extras.cjs share; and the names
  // extras.cjs holds.
  ...(standalone
    ? [
        `__dkrEmbedded.modules.set(__dkrEmbedded.path(${JSON.stringify(oclif.commands.target)}), () => ({COMMANDS, commandNotFound}))`,
        "import * as oclifCore from '@oclif/core'",
        "__dkrEmbedded.modules.set('@oclif/core', () => oclifCore)",
        ...extrasHeld.map(({key}) => `__dkrEmbedded.inExtras(${key})`),
      ]
    : []),
].join('\n')

/**
 * What the standalone executable's extras.cjs holds, by the names the rest asks for them by (`key`, a
 * JavaScript expression): import() names (loadedWhenUsed), the deferred files' require names, and the
 * plugins' command and hook modules by the paths oclif loads them from; `source`, what to bundle.
 */
function extrasModules() {
  const modules = [...loadedWhenUsed, ...deferred.map(({real}) => real)].map((name) => ({key: JSON.stringify(name), source: name}))
  for (const dir of plugins) {
    const {commands} = JSON.parse(readFileSync(join(dir, 'oclif.manifest.json'), 'utf8'))
    const {hooks = {}} = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).oclif
    const paths = [...Object.values(commands).map((command) => join(dir, ...command.relativePath)), ...Object.values(hooks).flat().map((hook) => join(dir, hook.target ?? hook))]
    modules.push(...paths.map((path) => ({key: `__dkrEmbedded.path(${JSON.stringify(path)})`, source: `./${path}`})))
  }
  return modules
}

/** @type {import('esbuild').BuildOptions} */
const options = {
  stdin: {contents: entry, loader: 'js', resolveDir: '.', sourcefile: 'dkr-entry.js'},
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // ASCII only (non-ASCII is escaped), so bin/run.js can read it as latin1, which V8 keeps as is.
  charset: 'ascii',
  // Not minified: measured slower to start (V8 compiles the readable bundle lazily just as well), and
  // the bundle stays readable.
  // typescript: only @oclif/core's development-mode tsconfig reader wants it. ssh2's optional native parts.
  external: [...loadedWhenUsed, ...(standalone ? deferred.map(({real}) => real) : []), 'typescript', 'cpu-features', '*.node'],
  plugins: [deferOnFirstCall, packageOnFirstUse, editPackages, requireOnFirstUse],
  banner: {js: firstUseBanner},
  logLevel: 'warning',
  write: false,
}

if (standalone) {
  // The bundles, their hashes and the JSON files are the executable's assets; its main script starts dkr.cjs.
  const dir = argv.standalone
  mkdirSync(dir, {recursive: true})
  await writeBundle(dir, 'dkr.cjs', options)
  // The plugins' @oclif/core is dkr.cjs's (one Config, one Command class); the rest is the extras' own.
  const contents = extrasHeld.map(({key, source}) => `__dkrEmbedded.modules.set(${key}, () => require(${JSON.stringify(source)}))`).join('\n')
  const extras = {...options, stdin: {...options.stdin, contents, sourcefile: 'dkr-extras-entry.js'}, external: ['@oclif/core', 'typescript', 'cpu-features', '*.node'], plugins: [editPackages, requireOnFirstUse]}
  await writeBundle(dir, 'extras.cjs', extras)
  await build({entryPoints: ['scripts/standalone-main.cjs'], bundle: true, format: 'cjs', platform: 'node', target: 'node20', outfile: join(dir, 'main.cjs'), logLevel: 'warning'})
  const bundles = ['dkr.cjs', 'dkr.cjs.sha256', 'extras.cjs', 'extras.cjs.sha256']
  const assets = Object.fromEntries([...embeddedFiles.map((key) => [key, resolve(key)]), ...bundles.map((key) => [key, resolve(dir, key)])])
  // Node's single-executable configuration (node --experimental-sea-config).
  const config = {main: resolve(dir, 'main.cjs'), output: resolve(dir, 'dkr.blob'), disableExperimentalSEAWarning: true, useCodeCache: true, assets}
  writeFileSync(join(dir, 'sea-config.json'), `${JSON.stringify(config, null, 2)}\n`)
} else {
  // Built beside dist/ and swapped in when complete, so `./bin/run.js` keeps working while a build runs
  // (`npm test` rebuilds in the checkout people use).
  const staging = mkdtempSync('dist.building-')
  // mkdtemp makes it private; dist/ is read by every user (tests run dkr as nobody, too).
  chmodSync(staging, 0o755)
  try {
    await writeBundle(staging, 'dkr.cjs', options)
    swapIn(staging, 'dist')
  } finally {
    rmSync(staging, {force: true, recursive: true})
  }
}

/** The bundle, and NAME.sha256: the code cache's key (bin/start.js), so a cache made for another bundle is never used. */
async function writeBundle(dir, name, buildOptions) {
  const {outputFiles} = await build(buildOptions)
  const code = rewriteRequires(outputFiles[0].text)
  writeFileSync(join(dir, name), code, 'latin1')
  writeFileSync(join(dir, `${name}.sha256`), createHash('sha256').update(code).digest('hex'))
}

/**
 * - V8 drops a script's dynamic-import handler when it is compiled from a code cache, so `import()` in
 *   the bundle (oclif loading the help and autocomplete plugins, dkr loading chalk, ora and conf) goes
 *   through globalThis.__dkrImport, which bin/start.js defines where `import()` works (and
 *   scripts/standalone-main.cjs for the executable's embedded modules).
 * - `first-use:` requires get their stand-in (requireOnFirstUse).
 */
function rewriteRequires(code) {
  return code
    // Not `import()` in a message text, nor a property named import.
    .replaceAll(/(?<![\w$.])import\((?!\))/g, 'globalThis.__dkrImport(')
    .replaceAll('require("first-use:', '__dkrFirstUse("')
}

/** Two renames: only a run starting in the microseconds between them can miss dist/. */
function swapIn(built, target) {
  const old = `${built}.old`
  if (existsSync(target)) renameSync(target, old)
  renameSync(built, target)
  rmSync(old, {force: true, recursive: true})
}
