#!/usr/bin/env node
// dkr's entry point: the bundle in dist/ (scripts/build.js) does the work.
import {readFileSync} from 'node:fs'

const args = process.argv.slice(2)
if (args.length === 1 && args[0] === '--version') {
  // Scripts ask for this often: answered without loading oclif, in oclif's own format (its config.userAgent).
  const {name, version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const {main} = await import('../dist/main.js')
  await main(args, import.meta.url)
}
