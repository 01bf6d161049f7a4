// oclif's parse errors, reworded the way docker reports usage mistakes (the base command adds the usage block).
import {Errors} from '@oclif/core'

interface ParseErrorShape {
  message: string
  parse?: {input?: {argv?: string[]}}
  flags?: string[]
  args?: unknown[]
}

export interface UsageProblem {
  text: string
  /** docker exits 125 for flag mistakes but 1 for a wrong number of arguments. */
  exitCode: number
}

/** `command` is the command as typed (`dkr image pull`); `maxArgs` is how many arguments it takes at most. */
export function describeParseError(error: Error, command: string, maxArgs: number): UsageProblem | undefined {
  const text = flagProblem(error)
  if (text !== undefined) return {exitCode: 125, text}
  const name = error.constructor.name
  const bin = command.split(' ')[0]
  if (name === 'RequiredArgsError') return {exitCode: 1, text: `${bin}: '${command}' requires at least 1 argument`}
  if (name === 'UnexpectedArgsError') return {exitCode: 1, text: `${bin}: '${command}' requires at most ${maxArgs} argument${maxArgs === 1 ? '' : 's'}`}
  return undefined
}

function flagProblem(error: Error): string | undefined {
  const shaped = error as Error & ParseErrorShape
  const name = error.constructor.name
  if (name === 'NonExistentFlagsError') {
    const flag = shaped.flags?.[0] ?? /: (\S+)/.exec(error.message)?.[1] ?? ''
    return flag.startsWith('--') ? `unknown flag: ${flag}` : `unknown shorthand flag: '${flag.slice(1, 2)}' in ${flag}`
  }

  const expects = /^Flag (--\S+) expects a value/.exec(error.message)
  if (expects) return `flag needs an argument: ${expects[1]}`
  if (error instanceof Errors.CLIError && (name === 'CLIParseError' || name === 'FlagInvalidOptionError' || name === 'FailedFlagValidationError')) {
    return error.message.split('\n')[0]
  }

  return undefined
}
