#!/usr/bin/env node
// Regenerates docs/commands.md's command reference (between the `<!-- commands -->` markers) from
// oclif.manifest.json, so the reference is always what the commands say. `--check` fails when stale.
import {readFileSync} from 'node:fs'
// Replaced in one rename: a dkr started while the build runs reads the old file or the new one, never half.
import {sync as writeFileSync} from 'write-file-atomic'

const start = '<!-- commands -->'
const stop = '<!-- commandsstop -->'
const manifest = JSON.parse(readFileSync('oclif.manifest.json', 'utf8'))
const bin = 'dkr'

const flagName = (flag) => `${flag.char ? `-${flag.char}, ` : ''}--${flag.name}${flag.type === 'option' ? ' VALUE' : ''}`
const example = (e) => (typeof e === 'string' ? {command: e} : e)
const substitute = (text) => text.replaceAll('<%= config.bin %>', bin)

function section(command) {
  const words = command.id.replaceAll(':', ' ')
  const lines = [`### \`${bin} ${words}\``, '', command.summary ?? '', '', '```', `${bin} ${words} ${substitute(command.usage ?? '')}`.trimEnd()]
  const own = Object.values(command.flags).filter((flag) => flag.helpGroup !== 'GLOBAL' && !flag.hidden)
  if (own.length > 0) {
    const width = Math.max(...own.map((f) => flagName(f).length))
    lines.push('', ...own.map((f) => `  ${flagName(f).padEnd(width)}  ${f.description ?? ''}`))
  }

  lines.push('```', '')
  const full = (command.description ?? '').trim()
  // Most descriptions open with the summary line; it is already the section's first line.
  const description = (command.summary && full.startsWith(command.summary) ? full.slice(command.summary.length) : full).trim()
  if (description) lines.push(description, '')
  if (command.aliases?.length) lines.push(`Aliases: ${command.aliases.map((a) => `\`${bin} ${a.replaceAll(':', ' ')}\``).join(', ')}`, '')
  const examples = (command.examples ?? []).map(example)
  if (examples.length > 0) lines.push('Examples:', '', '```sh', ...examples.flatMap((e) => [`# ${e.description ?? ''}`, substitute(e.command)]), '```', '')
  return lines.join('\n')
}

const commands = Object.values(manifest.commands).filter((command) => !command.hidden).sort((a, b) => a.id.localeCompare(b.id))
const body = `${start}\n\nGlobal flags (before or after the command, as with docker): \`-H/--host\`, \`-c/--context\`, \`--config\`, \`-D/--debug\`, \`-l/--log-level\`, \`--tls\`, \`--tlsverify\`, \`--tlscacert\`, \`--tlscert\`, \`--tlskey\`.\n\n${commands.map(section).join('\n')}${stop}`
const file = 'docs/commands.md'
const readme = readFileSync(file, 'utf8')
const from = readme.indexOf(start)
const to = readme.indexOf(stop)
if (from === -1 || to === -1) {
  console.error(`${file} has no ${start} … ${stop} section`)
  process.exit(1)
}

const next = readme.slice(0, from) + body + readme.slice(to + stop.length)
if (process.argv.includes('--check')) {
  if (next !== readme) {
    console.error(`${file}'s command reference is out of date with the commands: run \`npm run build\` and commit it`)
    process.exit(1)
  }
} else {
  writeFileSync(file, next)
}
