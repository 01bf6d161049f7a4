// An unknown command: docker's message, plus the closest known command when one is near.
import type {Hook} from '@oclif/core'
import {closest, distance} from 'fastest-levenshtein'

const hook: Hook.CommandNotFound = async function (options) {
  const typed = options.id.replaceAll(':', ' ')
  const known = options.config.commandIDs.map((id) => id.replaceAll(':', ' '))
  const best = known.length > 0 ? closest(typed, known) : undefined
  const suggestion = best !== undefined && distance(typed, best) <= Math.max(2, Math.floor(typed.length / 3)) ? `\nDid you mean '${options.config.bin} ${best}'?` : ''
  process.stderr.write(`${options.config.bin}: unknown command: ${options.config.bin} ${typed}${suggestion}\n\nRun '${options.config.bin} --help' for more information\n`)
  process.exit(1)
}

export default hook
