// Finding the engine the way docker does: TLS by flags, by environment and by a context docker created;
// contexts listed and chosen in docker's own store; dkr version; and the ways connecting goes wrong.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {baseEnv, dkr, docker, tempConfigDir} from '../helpers/run.js'
import {clientApiVersion, compareApiVersions} from '../../src/lib/engine/client.js'
import {enginesUnderTest} from '../helpers/engines.js'
import {removeImages, stack} from '../helpers/stack.js'

const image = () => `${stack.registry}/demo/small:1.0`
const tlsFlags = () => ['-H', stack.tlsHost, '--tlsverify', '--tlscacert', join(stack.tlsCerts, 'ca.pem'), '--tlscert', join(stack.tlsCerts, 'cert.pem'), '--tlskey', join(stack.tlsCerts, 'key.pem')]

/** An environment without DOCKER_HOST, so contexts and config.json decide. */
function contextEnv(extra: NodeJS.ProcessEnv = {}) {
  const env = baseEnv(extra)
  delete env.DOCKER_HOST
  return env
}

describe('connecting to the engine', () => {
  before(() => removeImages(image()))
  after(() => removeImages(image()))

  describe('over mutual TLS', () => {
    it('pulls with the TLS flags given before the command', async () => {
      const result = await dkr([...tlsFlags(), 'image', 'pull', '-q', image()], {env: contextEnv()})
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stdout, `${image()}\n`)
      // Nothing else: no runtime warning either (Node 24 warns about url.parse, which the bundle avoids).
      assert.equal(result.stderr, '')
      await removeImages(image())
    })

    it('pulls with DOCKER_HOST, DOCKER_TLS_VERIFY (any non-empty value) and DOCKER_CERT_PATH', async () => {
      const env = baseEnv({DOCKER_CERT_PATH: stack.tlsCerts, DOCKER_HOST: stack.tlsHost, DOCKER_TLS_VERIFY: 'yes'})
      const result = await dkr(['pull', '-q', image()], {env})
      assert.equal(result.code, 0, result.stderr)
      await removeImages(image())
    })

    it('uses a TLS context created by the real docker context create, by -c and as the current context', async () => {
      const env = contextEnv()
      const certs = (name: string) => join(stack.tlsCerts, name)
      const created = await docker(['context', 'create', 'tls-engine', '--docker', `host=${stack.tlsHost},ca=${certs('ca.pem')},cert=${certs('cert.pem')},key=${certs('key.pem')}`], {env})
      assert.equal(created.code, 0, created.stderr)
      const byFlag = await dkr(['-c', 'tls-engine', 'version', '--format', '{{.Client.Context}} {{.Server.Version}}'], {env})
      assert.equal(byFlag.code, 0, byFlag.stderr)
      const theirs = await docker(['-c', 'tls-engine', 'version', '--format', '{{.Server.Version}}'], {env})
      assert.equal(byFlag.stdout, `tls-engine ${theirs.stdout}`)

      const use = await dkr(['context', 'use', 'tls-engine'], {env})
      assert.equal(use.code, 0, use.stderr)
      assert.equal(use.stdout, 'tls-engine\n')
      assert.equal(use.stderr, 'Current context is now "tls-engine"\n')
      const pull = await dkr(['pull', '-q', image()], {env})
      assert.equal(pull.code, 0, pull.stderr)
      await removeImages(image())
    })

    it('says clearly when the CA is wrong or the client certificate is missing', async () => {
      const env = contextEnv()
      const wrongCa = await dkr(['-H', stack.tlsHost, '--tlsverify', '--tlscacert', stack.tlsWrongCa, '--tlscert', join(stack.tlsCerts, 'cert.pem'), '--tlskey', join(stack.tlsCerts, 'key.pem'), 'version', '-f', 'x'], {env})
      assert.equal(wrongCa.code, 1)
      assert.equal(wrongCa.stderr, `error during connect: ${stack.tlsHost}: tls: failed to verify certificate: x509: certificate signed by unknown authority\n`)
      const noClientCert = await dkr(['-H', stack.tlsHost, '--tlsverify', '--tlscacert', join(stack.tlsCerts, 'ca.pem'), 'version', '-f', 'x'], {env})
      assert.equal(noClientCert.code, 1)
      assert.match(noClientCert.stderr, /^error during connect: tcp:\/\/127\.0\.0\.1:\d+: tls: the engine refused the client certificate/)
      assert.equal(noClientCert.stderr.split('\n').length, 2, 'one line')
      const plain = await dkr(['-H', stack.tlsHost, 'version', '-f', 'x'], {env})
      assert.equal(plain.stderr, 'Error response from daemon: Client sent an HTTP request to an HTTPS server.\n')
    })

    it('refuses an encrypted private key with one line', async () => {
      const dir = tempConfigDir()
      const key = join(dir, 'key.pem')
      execFileSync('openssl', ['pkey', '-in', join(stack.tlsCerts, 'key.pem'), '-aes256', '-passout', 'pass:secret', '-out', key])
      const result = await dkr(['-H', stack.tlsHost, '--tlsverify', '--tlscacert', join(stack.tlsCerts, 'ca.pem'), '--tlscert', join(stack.tlsCerts, 'cert.pem'), '--tlskey', key, 'version', '-f', 'x'], {env: contextEnv()})
      assert.equal(result.code, 1)
      assert.equal(result.stderr, `private key ${key} is encrypted; dkr cannot use encrypted keys (decrypt it with openssl)\n`)
    })
  })

  describe('contexts', () => {
    it('lists the contexts exactly as docker context ls does, with and without DOCKER_HOST', async () => {
      const configDir = tempConfigDir()
      const env = contextEnv({DOCKER_CONFIG: configDir})
      await docker(['context', 'create', 'eco', '--description', 'an engine', '--docker', `host=${stack.dockerHost}`], {env})
      await docker(['context', 'create', 'b2', '--docker', 'host=tcp://127.0.0.1:1'], {env})
      await docker(['context', 'use', 'eco'], {env})
      for (const variant of [env, {...env, DOCKER_HOST: stack.dockerHost}]) {
        for (const args of [['context', 'ls'], ['context', 'ls', '--format', 'json'], ['context', 'ls', '-q']]) {
          const [ours, theirs] = await Promise.all([dkr(args, {env: variant}), docker(args, {env: variant})])
          assert.equal(ours.stdout, theirs.stdout, args.join(' '))
          assert.equal(ours.stderr, theirs.stderr, args.join(' '))
        }
      }
    })

    it('context use keeps everything else in config.json, and docker follows the choice', async () => {
      const configDir = tempConfigDir()
      const env = contextEnv({DOCKER_CONFIG: configDir})
      writeFileSync(join(configDir, 'config.json'), JSON.stringify({auths: {'r.example': {auth: 'YTpi'}}, psFormat: 'table {{.ID}}'}))
      await docker(['context', 'create', 'eco', '--docker', `host=${stack.dockerHost}`], {env})
      assert.equal((await dkr(['context', 'use', 'eco'], {env})).code, 0)
      assert.deepEqual(JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')), {auths: {'r.example': {auth: 'YTpi'}}, currentContext: 'eco', psFormat: 'table {{.ID}}'})
      assert.match((await docker(['context', 'ls'], {env})).stdout, /^eco \*/m)
      assert.equal((await dkr(['context', 'use', 'default'], {env})).code, 0)
      assert.deepEqual(JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')), {auths: {'r.example': {auth: 'YTpi'}}, psFormat: 'table {{.ID}}'})
    })

    it('an unknown context fails like docker, for use and for -c', async () => {
      const env = contextEnv()
      for (const args of [['context', 'use', 'nosuch'], ['--context', 'nosuch', 'version', '-f', 'x']]) {
        const [ours, theirs] = await Promise.all([dkr(args, {env}), docker(args, {env})])
        assert.equal(ours.code, 1)
        assert.equal(ours.stderr, theirs.stderr, args.join(' '))
      }
    })
  })

  describe('dkr version', () => {
    for (const engine of enginesUnderTest()) {
      it(`shows a client and a server section, the server part as docker shows it: ${engine.name}`, async () => {
        const env = baseEnv({DOCKER_HOST: engine.host})
        const [ours, theirs] = await Promise.all([dkr(['version'], {env}), docker(['version'], {env})])
        assert.equal(ours.code, 0, ours.stderr)
        const [client, server] = ours.stdout.split('\n\n')
        assert.equal(server, theirs.stdout.split('\n\n')[1])
        // dkr speaks its own newest API version, or the engine's when that is older, and says so.
        const engineApi = (await docker(['version', '-f', '{{.Server.APIVersion}}'], {env})).stdout.trim()
        const older = compareApiVersions(engineApi, clientApiVersion) < 0
        assert.match(client, new RegExp(`^Client:\n Version: +0\\.1\\.0\n API version: .+\n Node version: +${process.version.replaceAll('.', '\\.')}\n OS/Arch: +linux/\\w+\n Context: +default$`))
        assert.equal(client.split('\n')[2].replace(/ +/g, ' '), ` API version: ${older ? `${engineApi} (downgraded from ${clientApiVersion})` : clientApiVersion}`)
      })
    }

    it('--format json and Go templates give scripts what docker gives them', async () => {
      const json = await dkr(['version', '--format', 'json'])
      const report = JSON.parse(json.stdout) as {Client: {ApiVersion: string}; Server: {Version: string; ApiVersion: string}}
      assert.equal(report.Client.ApiVersion, report.Server.ApiVersion)
      const template = '{{.Server.Version}}|{{.Server.Os}}|{{json .Server.Arch}}|{{.Server.APIVersion}}|{{.Client.Context}}'
      const [ours, theirs] = await Promise.all([dkr(['version', '-f', template]), docker(['version', '-f', template])])
      assert.equal(ours.stdout, theirs.stdout)
      const unsupported = await dkr(['version', '-f', '{{range .Server.Components}}{{.Name}}{{end}}'])
      assert.equal(unsupported.code, 1)
      assert.match(unsupported.stderr, /^unsupported --format template/)
    })

    it('prints the client part and docker\'s error when the engine is down, promptly', async () => {
      const started = Date.now()
      const result = await dkr(['-H', 'unix:///nonexistent/docker.sock', 'version'])
      assert.equal(result.code, 1)
      assert.match(result.stdout, /^Client:\n/)
      assert.equal(result.stderr, 'Cannot connect to the Docker daemon at unix:///nonexistent/docker.sock. Is the docker daemon running?\n')
      const refused = await dkr(['-H', 'tcp://127.0.0.1:1', 'version', '-f', 'x'])
      assert.equal(refused.stderr, 'Cannot connect to the Docker daemon at tcp://127.0.0.1:1. Is the docker daemon running?\n')
      assert.ok(Date.now() - started < 5000)
    })

    it('refuses a template it cannot render before asking the engine anything', async () => {
      const result = await dkr(['-H', 'unix:///nonexistent/docker.sock', 'version', '--format', '{{range .}}x{{end}}'])
      assert.equal(result.code, 1)
      assert.equal(result.stdout, '')
      assert.equal(result.stderr, 'unsupported --format template: {{range .}}x{{end}} (dkr supports json, {{.Field.Sub}} and {{json .Field}})\n')
    })

    it('a pinned API version the engine does not speak fails with the engine\'s words, like docker', async () => {
      const env = baseEnv({DOCKER_API_VERSION: '1.99'})
      const [ours, theirs] = await Promise.all([dkr(['version', '-f', '{{.Server.Version}}'], {env}), docker(['version', '-f', '{{.Server.Version}}'], {env})])
      assert.equal(ours.code, 1)
      assert.equal(ours.stderr, theirs.stderr)
    })

    it('rejects a malformed host and --host with --context as docker does', async () => {
      for (const args of [['-H', 'ftp://x', 'version'], ['-H', 'unix:///x', '--context', 'y', 'version']]) {
        const [ours, theirs] = await Promise.all([dkr(args), docker(args)])
        assert.equal(ours.stderr.split('\n')[0], theirs.stderr.split('\n')[0], args.join(' '))
        assert.notEqual(ours.code, 0)
      }
    })

    it('DOCKER_HOST=bogus://x: only docker\'s one line, no client part, exit 1', async () => {
      const env = baseEnv({DOCKER_HOST: 'bogus://x'})
      for (const args of [['version'], ['version', '--format', 'json']]) {
        const [ours, theirs] = await Promise.all([dkr(args, {env}), docker(args, {env})])
        assert.deepEqual({code: ours.code, stderr: ours.stderr, stdout: ours.stdout}, {code: 1, stderr: 'Failed to initialize: unable to resolve docker endpoint: invalid bind address format: bogus://x\n', stdout: ''}, args.join(' '))
        assert.deepEqual({code: ours.code, stderr: ours.stderr, stdout: ours.stdout}, {code: theirs.code, stderr: theirs.stderr, stdout: theirs.stdout}, args.join(' '))
      }
    })
  })
})
