// For the scripts that need a live engine stack (benchmarks, the README picture): use the one whose
// environment is set (`eval "$(scripts/engine-stack env DIR)"`), or start one in a temp dir and stop
// it afterwards.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'

const engineStack = resolve(import.meta.dirname, 'engine-stack')

/** Makes sure the stack's variables are in process.env; returns how to stop what was started here. */
export function ensureStack(): () => void {
  if (process.env.DKR_REGISTRY && process.env.DKR_SLOW_REGISTRY) return () => {}
  const dir = join(mkdtempSync(join(tmpdir(), 'dkr-stack-')), 'stack')
  const envText = execFileSync(engineStack, ['up', dir], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']})
  for (const line of envText.split('\n')) {
    const [key, ...value] = line.split('=')
    if (key) process.env[key] = value.join('=')
  }

  return () => {
    execFileSync(engineStack, ['down', dir], {stdio: 'inherit'})
    rmSync(dirname(dir), {force: true, recursive: true})
  }
}
