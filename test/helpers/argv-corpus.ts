// A corpus of command lines for differential tests: the same argv through two ways of starting dkr
// (the fast path and plain oclif, bin/run.js and the standalone executable) must give the same stdout,
// stderr and exit status: help, aliases, bad flags, global flags before and after the command, --json, --.
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {baseEnv, type RunResult} from './run.js'
import {stack} from './stack.js'

export const down = 'unix:///nonexistent/docker.sock'

export function corpus(): string[][] {
  const present = `${stack.registry}/demo/small:1.0`
  return [
    [],
    ['--help'],
    ['-h'],
    ['help'],
    ['help', 'pull'],
    ['help', 'image', 'pull'],
    ['pull', '--help'],
    ['pull', '-h'],
    ['image', 'pull', '--help'],
    ['login', '--help'],
    ['config', 'set', '--help'],
    ['autocomplete', '--help'],
    ['image'],
    ['image', '--help'],
    ['config'],
    ['context'],
    ['pul'],
    ['imgae', 'pull', 'x'],
    ['pull'],
    ['pull', '--bogus', 'x'],
    ['pull', '-x', 'x'],
    ['image', 'pull', '--platform'],
    ['pull', '--parallel', 'many', 'x'],
    ['pull', 'UPPER/case'],
    ['pull', '-q', present],
    ['image', 'pull', '-q', present],
    ['pull', '--json', present],
    ['pull', '-q', '--', present],
    ['pull', '--', '--bogus'],
    ['-H', down, 'pull', 'x'],
    ['pull', 'x', '-H', down],
    ['--host=' + down, '-D', 'pull', 'x'],
    ['-H', down, '--context', 'default', 'pull', 'x'],
    ['-l', 'loud', 'pull', 'x'],
    ['--debug', 'config', 'list'],
    ['config', 'list', '--format', 'json'],
    ['config', 'get', 'color'],
    ['config', 'get', 'nope'],
    ['config', 'set', 'color', 'rainbow'],
    ['config', 'path'],
    ['context', 'ls'],
    ['context', 'ls', '--format', 'json'],
    ['context', 'use', 'nope'],
    ['version', '--format', '{{.Client'],
    ['version', '--format', '{{.Server.Os}}'],
    ['-H', down, 'version'],
    ['login', '-u'],
    ['login', '--password-stdin'],
    ['logout', '--bogus'],
    ['--version'],
    ['-v'],
  ]
}

/**
 * --json carries how long the pull took, the one field that differs from run to run; -D's stack traces
 * name the bundle's path and lines, which differ between builds.
 */
const normalise = (text: string) => text.replaceAll(/"duration(Ms)?":\s*\d+/g, '"duration":N').replaceAll(/^ {4}at .*$/gm, '    at …')

/** One way of starting dkr: runs it with this argv and environment. */
export type Start = (argv: string[], env: NodeJS.ProcessEnv) => Promise<RunResult>

/** Runs the corpus both ways; each argv whose stdout, stderr or exit status differ, with both results. */
export async function differences(ways: Record<string, Start>): Promise<string[]> {
  const mismatches: string[] = []
  for (const argv of corpus()) {
    // One environment for both runs: the same config dirs, so paths in the output match.
    const home = mkdtempSync(join(tmpdir(), 'dkr-argv-corpus-'))
    const env = baseEnv({XDG_CACHE_HOME: join(home, 'cache'), XDG_CONFIG_HOME: join(home, 'config')})
    const results: string[] = []
    for (const start of Object.values(ways)) {
      const result = await start(argv, env)
      results.push(JSON.stringify({code: result.code, stderr: normalise(result.stderr), stdout: normalise(result.stdout)}))
    }
    if (new Set(results).size > 1) mismatches.push(`dkr ${argv.join(' ')}\n${Object.keys(ways).map((name, index) => `  ${name}: ${results[index]}`).join('\n')}`)
  }
  return mismatches
}
