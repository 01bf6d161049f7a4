#!/usr/bin/env node
// dkr's entry point. docker accepts its global flags before the command (`dkr -H tcp://… image pull x`);
// oclif only parses flags after the command id, so they are moved there before oclif sees argv.
import {readFileSync} from 'node:fs'

const args = process.argv.slice(2)
if (args.length === 1 && args[0] === '--version') {
  // Scripts ask for this often: answered without loading oclif, in oclif's own format (its config.userAgent).
  const {name, version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const [{execute}, {hoistGlobalFlags}] = await Promise.all([import('@oclif/core'), import('../dist/lib/cli/argv.js')])
  await execute({args: hoistGlobalFlags(args), dir: import.meta.url})
}
