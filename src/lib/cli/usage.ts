// oclif's parse errors, reworded the way docker reports usage mistakes (the base command adds the usage block).
import {Errors} from '@oclif/core'

interface ParseErrorShape {
  message: string
  parse?: {input?: {argv?: string[]}}
  flags?: string[]
  args?: unknown[]
}

/** `command` is the command as typed (`dkr image pull`). */
export function describeParseError(error: Error, command: string): string | undefined {
  const shaped = error as Error & ParseErrorShape
  const name = error.constructor.name
  if (name === 'NonExistentFlagsError') {
    const flag = shaped.flags?.[0] ?? /: (\S+)/.exec(error.message)?.[1] ?? ''
    return flag.startsWith('--') ? `unknown flag: ${flag}` : `unknown shorthand flag: '${flag.slice(1, 2)}' in ${flag}`
  }

  if (name === 'RequiredArgsError') return `${command.split(' ')[0]}: '${command}' requires at least 1 argument`
  if (name === 'UnexpectedArgsError') return error.message.replace(/^Unexpected arguments?: /, 'unexpected argument: ')
  const expects = /^Flag (--\S+) expects a value/.exec(error.message)
  if (expects) return `flag needs an argument: ${expects[1]}`
  if (error instanceof Errors.CLIError && (name === 'CLIParseError' || name === 'FlagInvalidOptionError' || name === 'FailedFlagValidationError')) {
    return error.message.split('\n')[0]
  }

  return undefined
}
