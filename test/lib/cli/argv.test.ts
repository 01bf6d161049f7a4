import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {hoistGlobalFlags} from '../../../src/lib/cli/argv.js'

describe('hoistGlobalFlags moves docker-style leading global flags behind the command', () => {
  it('moves valued and bare flags', () => {
    assert.deepEqual(hoistGlobalFlags(['-H', 'tcp://127.0.0.1:2375', '-D', 'image', 'pull', 'x']), ['image', 'pull', 'x', '-H', 'tcp://127.0.0.1:2375', '-D'])
  })

  it('moves inline values', () => {
    assert.deepEqual(hoistGlobalFlags(['--host=unix:///s', '--config', '/c', 'pull', 'x']), ['pull', 'x', '--host=unix:///s', '--config', '/c'])
  })

  it('puts them before -- so what follows stays an argument', () => {
    assert.deepEqual(hoistGlobalFlags(['-c', 'ctx', 'pull', '--', '-x']), ['pull', '-c', 'ctx', '--', '-x'])
  })

  it('leaves everything else alone', () => {
    assert.deepEqual(hoistGlobalFlags(['pull', '-H', 'x', 'y']), ['pull', '-H', 'x', 'y'])
    assert.deepEqual(hoistGlobalFlags(['--version']), ['--version'])
    assert.deepEqual(hoistGlobalFlags(['-D']), ['-D'])
  })
})
