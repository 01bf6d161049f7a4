// Whether dkr may colour a stream, given the `color` preference (which already folds in FORCE_COLOR and
// NO_COLOR): always, never, or auto: a terminal that is not dumb.
export function colorEnabled(mode: 'always' | 'auto' | 'never', env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (mode !== 'auto') return mode === 'always'
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

