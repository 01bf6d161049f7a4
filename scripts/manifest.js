#!/usr/bin/env node
// Writes oclif.manifest.json from the built command classes with @oclif/core alone (the `oclif` dev
// CLI would bring some 200 packages for this one job). `--check` fails when the committed file is stale.
import {Plugin} from '@oclif/core'
import {readFileSync, writeFileSync} from 'node:fs'

const plugin = new Plugin({root: process.cwd(), type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true})
await plugin.load()
const text = JSON.stringify(plugin.manifest, null, 2) + '\n'
if (process.argv.includes('--check')) {
  let current = ''
  try { current = readFileSync('oclif.manifest.json', 'utf8') } catch {}
  if (current !== text) {
    console.error('oclif.manifest.json is out of date with the commands: run `npm run build` and commit it')
    process.exit(1)
  }
} else {
  writeFileSync('oclif.manifest.json', text)
}
