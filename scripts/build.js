#!/usr/bin/env node
// Bundles dkr into dist/ with esbuild: one entry per oclif command (oclif still discovers them and
// loads only the one that runs), the hook, and src/main.ts for bin/run.js; shared code goes into
// chunks. Loading a few chunks instead of some 500 files is most of what a start-up costs
// (`npm run bench:startup`; the README has the figures).
import {build} from 'esbuild'
import {existsSync, mkdtempSync, readdirSync, renameSync, rmSync} from 'node:fs'
import {join} from 'node:path'

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
      contents: `
        let real
        module.exports = function deferred(...args) {
          // Resolved from dockerode, whose own dependencies (docker-modem) sit beside it.
          real ??= require('node:module').createRequire(require.resolve('dockerode'))(${JSON.stringify(path)})
          return real.apply(this, args)
        }`,
      loader: 'js',
    }))
  },
}

const commands = readdirSync('src/commands', {recursive: true})
  .filter((file) => file.endsWith('.ts'))
  .map((file) => join('src/commands', file))

/** @type {import('esbuild').BuildOptions} */
const options = {
  entryPoints: ['src/main.ts', 'src/hooks/command-not-found.ts', ...commands],
  outbase: 'src',
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Not minified: measured slower to start (V8 compiles the readable bundle lazily just as well), and
  // the bundle stays readable.
  // typescript: only @oclif/core's development-mode tsconfig reader wants it. ssh2's optional native parts.
  external: [...loadedWhenUsed, 'typescript', 'cpu-features', '*.node'],
  plugins: [deferOnFirstCall],
  // CommonJS dependencies inside an ES module bundle still use require, __filename and __dirname.
  banner: {
    js: [
      "import {createRequire as __dkrRequire} from 'node:module';",
      "import {dirname as __dkrDirname} from 'node:path';",
      "import {fileURLToPath as __dkrPath} from 'node:url';",
      'const require = __dkrRequire(import.meta.url);',
      'const __filename = __dkrPath(import.meta.url);',
      'const __dirname = __dkrDirname(__filename);',
    ].join(' '),
  },
  logLevel: 'warning',
}

// Built beside dist/ and swapped in when complete, so `./bin/run.js` keeps working while a build runs
// (`npm test` rebuilds in the checkout people use).
const staging = mkdtempSync('dist.building-')
try {
  await build({...options, outdir: staging})
  swapIn(staging, 'dist')
} finally {
  rmSync(staging, {force: true, recursive: true})
}

/** Two renames: only a run starting in the microseconds between them can miss dist/. */
function swapIn(built, target) {
  const old = `${built}.old`
  if (existsSync(target)) renameSync(target, old)
  renameSync(built, target)
  rmSync(old, {force: true, recursive: true})
}
