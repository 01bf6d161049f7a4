// Questions asked on the terminal (login's username and hidden password), through `read`, which mutes
// the echo for secrets and leaves the terminal as it found it. Ctrl-C at a prompt is a cancellation.
import {CancelledError} from '../errors.js'

export interface PromptOptions {
  /** Typed characters are not echoed (passwords). */
  silent?: boolean
}

export type Prompter = (question: string, options?: PromptOptions) => Promise<string>

/** A prompter over the process's terminal: the question on stdout (docker prompts there), the answer from stdin. */
export function terminalPrompter(): Prompter {
  return async (question, options = {}) => {
    const {read} = await import('read')
    try {
      const answer = await read({input: process.stdin, output: process.stdout, prompt: question, silent: options.silent})
      // The muted echo swallowed the Enter: end the line as a visible prompt would.
      if (options.silent) process.stdout.write('\n')
      return answer
    } catch (error) {
      if ((error as Error).message === 'canceled') {
        process.stdout.write('\n')
        throw new CancelledError('SIGINT')
      }

      throw error
    }
  }
}
