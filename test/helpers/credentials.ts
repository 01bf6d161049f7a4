// A private PATH for credential tests: only node, docker and the docker-credential-* helpers a test
// asks for (the fixture helper under any name), so whatever helpers the machine has never interfere.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {projectRoot} from './run.js'

export const fixtureHelper = join(projectRoot, 'test', 'fixtures', 'bin', 'credential-helper.mjs')

function dockerBinary(): string {
  return execFileSync('sh', ['-c', 'command -v docker'], {encoding: 'utf8'}).trim()
}

export interface HelperPath {
  /** The PATH value to hand to dkr and docker. */
  path: string
  /** Where the fixture helper keeps what it stores. */
  store: string
  /** What the helper stored: server URL → {Username, Secret}. */
  entries(): Record<string, {Username: string; Secret: string}>
  /** Every call the helper received, `<action> <server>`. */
  calls(): string[]
}

export function helperPath(helperNames: readonly string[] = []): HelperPath {
  const dir = mkdtempSync(join(tmpdir(), 'dkr-bin-'))
  symlinkSync(process.execPath, join(dir, 'node'))
  symlinkSync(dockerBinary(), join(dir, 'docker'))
  for (const name of helperNames) symlinkSync(fixtureHelper, join(dir, `docker-credential-${name}`))
  const store = join(dir, 'helper-store.json')
  const readOr = <T>(file: string, fallback: T, parse: (text: string) => T): T => {
    try {
      return parse(readFileSync(file, 'utf8'))
    } catch {
      return fallback
    }
  }

  return {
    calls: () => readOr(`${store}.log`, [], (text) => text.split('\n').filter(Boolean)),
    entries: () => readOr(store, {}, (text) => JSON.parse(text) as Record<string, {Username: string; Secret: string}>),
    path: dir,
    store,
  }
}
