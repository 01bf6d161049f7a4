#!/usr/bin/env node
// Writes oclif.manifest.json from the built command classes with @oclif/core alone (the `oclif` dev
// CLI would bring some 200 packages for this one job). `--check` fails when the committed file is stale.
import {Plugin} from '@oclif/core'
import {readFileSync} from 'node:fs'
// Replaced in one rename: a dkr started while the build runs reads the old file or the new one, never half.
import {sync as writeFileSync} from 'write-file-atomic'

const plugin = new Plugin({root: process.cwd(), type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true})
await plugin.load()
// Commands are discovered by an asynchronous glob whose order varies from run to run: sort them.
const manifest = {...plugin.manifest, commands: Object.fromEntries(Object.entries(plugin.manifest.commands).sort(([a], [b]) => a.localeCompare(b)))}
const text = JSON.stringify(manifest, null, 2) + '\n'
if (process.argv.includes('--check')) {
  let current = ''
  try { current = readFileSync('oclif.manifest.json', 'utf8') } catch {}
  if (current !== text) {
    let at = 0
    while (at < text.length && text[at] === current[at]) at++
    console.error('oclif.manifest.json is out of date with the commands: run `npm run build` and commit it')
    console.error(`first difference at character ${at}: committed ${JSON.stringify(current.slice(Math.max(0, at - 80), at + 80))}, generated ${JSON.stringify(text.slice(Math.max(0, at - 80), at + 80))}`)
    process.exit(1)
  }
} else {
  writeFileSync('oclif.manifest.json', text)
}
