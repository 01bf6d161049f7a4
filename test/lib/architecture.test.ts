// The direction imports may take inside src/lib, named once: each entry may import itself and what
// comes before it, never what comes after. The ground (errors.ts, io/) knows nothing of dkr; the steps
// of the pull flow come next, in the order they use each other; then cli/, which wires oclif to the flows
// (base command, the Cli context, argv and usage); then the flows each command runs. docs/architecture.md
// explains the layers.
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {describe, it} from 'node:test'

const layers: readonly string[] = [
  // The ground: no dkr imports but each other.
  'errors.ts',
  'io',
  // The steps of a pull, and what they share.
  'reference',
  'progress',
  'credentials',
  'registry',
  'preferences',
  'engine',
  'trust',
  'signature',
  'notation',
  'completion',
  // The top floor: oclif wiring and the Cli context every flow is handed.
  'cli',
  // The flows, one per command family.
  'context',
  'config',
  'version',
  'login',
  'pull',
]

const lib = resolve(import.meta.dirname, '..', '..', 'src', 'lib')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : []
  })
}

/** The layer a file under src/lib belongs to: its folder, or its own name at the top. */
const layerOf = (file: string) => relative(lib, file).split('/')[0]

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => resolve(dirname(file), m[1]).replace(/\.js$/, '.ts'))
}

describe('the layers of src/lib', () => {
  it('places every folder and top-level module of src/lib in the list', () => {
    const present = readdirSync(lib).sort()
    assert.deepEqual(present, [...layers].sort())
  })

  it('has no import from a layer above the importer, and nothing imports the commands', () => {
    const violations: string[] = []
    for (const file of sourceFiles(lib)) {
      const from = layers.indexOf(layerOf(file))
      for (const target of importsOf(file)) {
        const rel = relative(lib, target)
        if (rel.startsWith('..')) {
          violations.push(`${relative(lib, file)} imports ${relative(resolve(lib, '..', '..'), target)}, outside src/lib`)
          continue
        }

        const to = layers.indexOf(layerOf(target))
        if (to > from) violations.push(`${relative(lib, file)} (${layers[from]}) imports ${rel} (${layers[to]}), a layer above it`)
      }
    }

    assert.deepEqual(violations, [])
  })

  it('has no import circle between modules', () => {
    const files = sourceFiles(lib)
    const imports = new Map(files.map((file) => [file, importsOf(file)]))
    const circles: string[] = []
    const visit = (file: string, path: string[], done: Set<string>) => {
      for (const target of imports.get(file) ?? []) {
        const at = path.indexOf(target)
        if (at !== -1) circles.push([...path.slice(at), target].map((f) => relative(lib, f)).join(' → '))
        else if (!done.has(target)) {
          done.add(target)
          visit(target, [...path, target], done)
        }
      }
    }

    const done = new Set<string>()
    for (const file of files) {
      if (!done.has(file)) {
        done.add(file)
        visit(file, [file], done)
      }
    }

    assert.deepEqual(circles, [])
  })
})
