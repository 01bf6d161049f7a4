import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {contextName, parseHost, resolveEndpoint, selectEndpoints} from '../../../src/lib/engine/endpoint.js'

describe('parseHost accepts docker\'s host forms', () => {
  it('normalises unix, tcp and bare host:port', () => {
    assert.equal(parseHost('', false).host, 'unix:///var/run/docker.sock')
    assert.equal(parseHost('unix://', false).host, 'unix:///var/run/docker.sock')
    assert.equal(parseHost('tcp://127.0.0.1', false).host, 'tcp://127.0.0.1:2375')
    assert.equal(parseHost('127.0.0.1', true).host, 'tcp://127.0.0.1:2376')
    assert.equal(parseHost('', true).host, 'tcp://localhost:2376')
    assert.deepEqual(parseHost('ssh://bob@host:2222', false).transport, {host: 'host', kind: 'ssh', port: 2222, username: 'bob'})
  })

  it('refuses other schemes with docker\'s message', () => {
    assert.throws(() => parseHost('bogus://x', false), {message: 'Failed to initialize: unable to resolve docker endpoint: invalid bind address format: bogus://x'})
  })
})

describe('resolveEndpoint follows docker\'s order', () => {
  const env = {}
  it('refuses --context with --host', () => {
    assert.throws(() => contextName({configDir: '/x', context: 'a', env, host: 'unix:///s'}), {message: 'conflicting options: cannot specify both --host and --context'})
  })

  it('prefers DOCKER_HOST to DOCKER_CONTEXT and the current context', () => {
    assert.equal(contextName({configDir: '/x', currentContext: 'c', env: {DOCKER_CONTEXT: 'b', DOCKER_HOST: 'unix:///s'}}), 'default')
    assert.equal(contextName({configDir: '/x', currentContext: 'c', env: {DOCKER_CONTEXT: 'b'}}), 'b')
    assert.equal(contextName({configDir: '/x', currentContext: 'c', env: {}}), 'c')
  })

  it('reads a context from docker\'s store', () => {
    const configDir = mkdtempSync(join(tmpdir(), 'dkr-ctx-'))
    const dir = join(configDir, 'contexts', 'meta', createHash('sha256').update('eco').digest('hex'))
    mkdirSync(dir, {recursive: true})
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({Endpoints: {docker: {Host: 'unix:///run/eco.sock', SkipTLSVerify: false}}, Metadata: {}, Name: 'eco'}))
    assert.deepEqual(resolveEndpoint({configDir, context: 'eco', env}), {context: 'eco', host: 'unix:///run/eco.sock', transport: {kind: 'unix', socketPath: '/run/eco.sock'}})
    assert.throws(() => resolveEndpoint({configDir, context: 'nosuch', env}), /^DkrError: Failed to initialize: unable to resolve docker endpoint: context "nosuch": context not found: open .*meta\.json: no such file or directory$/)
  })

  it('requires the CA when verifying TLS', () => {
    assert.throws(() => resolveEndpoint({configDir: '/nonexistent', env: {DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: 'yes'}}), {message: 'Failed to initialize: unable to resolve docker endpoint: open /nonexistent/ca.pem: no such file or directory'})
  })
})

describe('selectEndpoints: the engines a fleet pull names', () => {
  const env = {}
  const store = () => {
    const configDir = mkdtempSync(join(tmpdir(), 'dkr-ctx-'))
    for (const name of ['edge-1', 'edge-2', 'edge-10', 'core']) {
      const dir = join(configDir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'))
      mkdirSync(dir, {recursive: true})
      writeFileSync(join(dir, 'meta.json'), JSON.stringify({Endpoints: {docker: {Host: `unix:///run/${name}.sock`}}, Metadata: {}, Name: name}))
    }

    return configDir
  }

  it('is the one engine docker would pick when no flag names several, named by its host', () => {
    assert.deepEqual(selectEndpoints({configDir: '/x', env: {DOCKER_HOST: 'unix:///s'}}).map((e) => e.name), ['unix:///s'])
  })

  it('expands globs over the stored contexts (sorted as dkr context ls), keeps names in order given, once each', () => {
    const configDir = store()
    assert.deepEqual(selectEndpoints({configDir, contexts: ['core', 'edge-*', 'edge-2'], env}).map((e) => [e.name, e.endpoint.host]), [
      ['core', 'unix:///run/core.sock'],
      ['edge-1', 'unix:///run/edge-1.sock'],
      ['edge-2', 'unix:///run/edge-2.sock'],
      ['edge-10', 'unix:///run/edge-10.sock'],
    ])
  })

  it('takes several hosts, refuses hosts with contexts, and says when a glob matches nothing', () => {
    assert.deepEqual(selectEndpoints({configDir: '/x', env, hosts: ['unix:///a', 'tcp://127.0.0.1:2375']}).map((e) => e.name), ['unix:///a', 'tcp://127.0.0.1:2375'])
    assert.throws(() => selectEndpoints({configDir: '/x', contexts: ['a'], env, hosts: ['unix:///a']}), {message: 'conflicting options: cannot specify both --host and --context'})
    assert.throws(() => selectEndpoints({configDir: store(), contexts: ['lab-*'], env}), {message: 'no context matches lab-* (see dkr context ls)'})
  })
})
