// Shell completion as a user gets it: `dkr autocomplete` writes the files (the plugin's, plus context
// names), and real bash and zsh complete from them, with dkr on PATH and contexts made by docker.
import assert from 'node:assert/strict'
import {mkdtempSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {stripVTControlCharacters} from 'node:util'
import {before, describe, it} from 'node:test'
import {completionFiles} from '../../src/lib/completion/context-names.js'
import {baseEnv, dkr, dkrBin, docker, projectRoot, run} from '../helpers/run.js'

describe('shell completion', () => {
  const bin = mkdtempSync(join(tmpdir(), 'dkr-path-'))
  const cache = mkdtempSync(join(tmpdir(), 'dkr-cache-'))
  const env = baseEnv({PATH: `${bin}:${process.env.PATH}`, XDG_CACHE_HOME: cache})
  const files = completionFiles(join(cache, 'dkr'), 'dkr')

  before(async () => {
    symlinkSync(dkrBin, join(bin, 'dkr'))
    for (const [name, host] of [['tls-engine', 'tcp://127.0.0.1:1'], ['other', 'tcp://127.0.0.1:2']]) {
      const created = await docker(['context', 'create', name, '--docker', `host=${host}`], {env})
      assert.equal(created.code, 0, created.stderr)
    }

    const setup = await dkr(['autocomplete', 'bash'], {env})
    assert.equal(setup.code, 0, setup.stderr)
    assert.match(setup.stdout, /dkr autocomplete script bash/)
  })

  /** COMPREPLY of the bash completion function for the words typed so far (the last is being completed). */
  async function bashComplete(...words: string[]): Promise<string[]> {
    const script = `source ${JSON.stringify(files.bash)}
      COMP_WORDS=(${words.map((word) => JSON.stringify(word)).join(' ')}); COMP_CWORD=${words.length - 1}
      $(complete -p dkr | sed 's/.* -F \\([^ ]*\\) .*/\\1/')
      printf '%s\\n' "\${COMPREPLY[@]}"`
    const result = await run('bash', ['-c', script], {env})
    assert.equal(result.code, 0, result.stderr)
    return result.stdout.split('\n').filter(Boolean).sort()
  }

  it('bash completes context names after --context, -c, --context= and `context use`', async () => {
    assert.deepEqual(await bashComplete('dkr', 'image', 'pull', '--context', ''), ['default', 'other', 'tls-engine'])
    assert.deepEqual(await bashComplete('dkr', 'version', '-c', 't'), ['tls-engine'])
    assert.deepEqual(await bashComplete('dkr', '--context', '=', 'o'), ['other'])
    assert.deepEqual(await bashComplete('dkr', 'context', 'use', ''), ['default', 'other', 'tls-engine'])
  })

  it('bash still completes commands and flags through the plugin', async () => {
    assert.deepEqual(await bashComplete('dkr', 'image', 'pull', '--pl'), ['--platform'])
    assert.ok((await bashComplete('dkr', 'co')).includes('context'))
  })

  it('zsh completes context names for `context use` and for --context', async () => {
    const zsh = async (line: string) => {
      const result = await run('zsh', ['-f', join(projectRoot, 'test', 'fixtures', 'zsh-complete.zsh'), join(files.zsh, '..'), line, 'tls-engine'], {env})
      assert.equal(result.code, 0, result.stderr)
      return stripVTControlCharacters(result.stdout)
    }

    assert.match(await zsh('dkr context use '), /default\s+other\s+tls-engine/)
    assert.match(await zsh('dkr image pull --context t'), /dkr image pull --context tls-engine/)
  })

  it('the files are rewritten, not appended to, when the cache is refreshed', async () => {
    const refreshed = await dkr(['autocomplete', '--refresh-cache'], {env})
    assert.equal(refreshed.code, 0, refreshed.stderr)
    const again = await run('grep', ['-c', '_dkr_complete()', files.bash], {env})
    assert.equal(again.stdout.trim(), '1')
  })
})
