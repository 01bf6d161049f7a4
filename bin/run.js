#!/usr/bin/env node
// dkr's entry point as npm installs it: the bundle in dist/ (scripts/build.js), started by bin/start.js.
const {createRequire} = require('node:module')
const {readFileSync} = require('node:fs')
const {join} = require('node:path')
const {start} = require('./start.js')

const root = join(__dirname, '..')
const bundle = join(root, 'dist', 'dkr.cjs')
start({
  args: process.argv.slice(2),
  bundle,
  hash: () => readFileSync(`${bundle}.sha256`, 'latin1').trim(),
  pjson: () => JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')),
  require: createRequire(bundle),
  root,
  // The bundle is ASCII (scripts/build.js): latin1 is the cheapest exact decoding.
  source: () => readFileSync(bundle, 'latin1'),
})
