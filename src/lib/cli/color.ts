// Whether dkr may colour a stream. chalk 5 ignores NO_COLOR, so the rule lives here:
// FORCE_COLOR (not 0/false) wins, then NO_COLOR (any non-empty value), then a terminal that is not dumb.
export function colorEnabled(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  const force = env.FORCE_COLOR
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false'
  if (env.NO_COLOR) return false
  return isTTY && env.TERM !== 'dumb'
}

/** The styles dkr uses: error lines in red. */
export interface Paint {
  red(text: string): string
}

const plain: Paint = {red: (t) => t}

/** chalk is imported only when colour is on, so scripts and `-q` never pay for loading it. */
export async function loadPaint(enabled: boolean): Promise<Paint> {
  if (!enabled) return plain
  const {Chalk, default: detected} = await import('chalk')
  const chalk = new Chalk({level: detected.level === 0 ? 1 : detected.level})
  return {red: chalk.red}
}

