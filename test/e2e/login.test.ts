// dkr login / logout against the stack's htpasswd registry, with docker as the other end of every
// interop check, and the fixture credential helper for the helper protocol and its failures.
import assert from 'node:assert/strict'
import {chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {helperPath} from '../helpers/credentials.js'
import {FakeEngine} from '../helpers/fake-engine.js'
import {baseEnv, dkr, docker, tempConfigDir, type RunResult} from '../helpers/run.js'
import {describeEngine, enginesUnderTest} from '../helpers/engines.js'
import {removeImages, stack} from '../helpers/stack.js'

const privateImage = () => `${stack.privateRegistry}/private/app:1.0`

/** An environment whose PATH holds only node, docker and the named fixture helpers. */
function credentialEnv(helpers: readonly string[] = [], extra: NodeJS.ProcessEnv = {}) {
  const bin = helperPath(helpers)
  const configDir = tempConfigDir()
  const env = baseEnv({DKR_TEST_HELPER_STORE: bin.store, DOCKER_CONFIG: configDir, PATH: bin.path, ...extra})
  return {bin, configDir, configFile: join(configDir, 'config.json'), env}
}

function loginWithStdin(env: NodeJS.ProcessEnv, password = stack.privatePassword, extraArgs: string[] = []): Promise<RunResult> {
  return dkr(['login', '-u', stack.privateUser, '--password-stdin', ...extraArgs, stack.privateRegistry], {env, input: `${password}\n`})
}

/** Secrets must never reach the user's screen or logs, whatever happened. */
function assertNoSecret(...results: RunResult[]): void {
  for (const result of results) {
    assert.ok(!`${result.stdout}${result.stderr}`.includes(stack.privatePassword), 'the password appears in the output')
  }
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>

describe('dkr login, where no real engine is involved', () => {
  it('never prompts without a terminal: docker\'s message, exit 1, at once', async () => {
    const {env} = credentialEnv()
    const started = Date.now()
    const result = await dkr(['login', stack.privateRegistry], {env})
    const theirs = await docker(['login', stack.privateRegistry], {env})
    assert.equal(result.code, 1)
    assert.equal(result.stderr, 'Error: Cannot perform an interactive login from a non TTY device\n')
    assert.equal(theirs.stderr, result.stderr)
    assert.ok(Date.now() - started < 10_000)
  })

  it('validates flags with docker\'s messages', async () => {
    const {env} = credentialEnv()
    for (const args of [['-u', 'a', '-p', 'x', '--password-stdin'], ['--password-stdin'], ['-u', '', '-p', 'x'], ['-u', 'a', '-p', '']]) {
      const [ours, theirs] = await Promise.all([dkr(['login', ...args, 'r.example'], {env}), docker(['login', ...args, 'r.example'], {env})])
      assert.deepEqual({code: ours.code, stderr: ours.stderr, stdout: ours.stdout}, {code: theirs.code, stderr: theirs.stderr, stdout: theirs.stdout}, args.join(' '))
    }
  })

  it('20 concurrent logins to 20 registries all end up stored', async () => {
    const engine = new FakeEngine()
    await engine.start()
    try {
      const {configFile, env} = credentialEnv([], {DOCKER_HOST: engine.host})
      const names = Array.from({length: 20}, (_, i) => `registry-${i}.example:5000`)
      const results = await Promise.all(names.map((name) => dkr(['login', '-u', `user${name.split('.')[0]}`, '--password-stdin', name], {env, input: 'secret\n'})))
      for (const result of results) assert.equal(result.code, 0, result.stderr)
      assert.deepEqual(Object.keys(readJson(configFile).auths as object).sort(), [...names].sort())
      assert.deepEqual(readdirSync(join(configFile, '..')), ['config.json'], 'no lock or temp files left')
      assert.equal(engine.logins.length, 20)
    } finally {
      await engine.stop()
    }
  })

  it('logout from a config.json too deeply nested to write back: one line, exit 1, the file as it was', async () => {
    // An unknown key nested 8,000 deep: JSON.parse reads it, JSON.stringify's recursion cannot write it.
    const text = `{"auths":{"h.example":{"auth":"dTpw"}},"x":${'['.repeat(8000)}${']'.repeat(8000)}}`
    const {configFile, env} = credentialEnv()
    writeFileSync(configFile, text)
    const result = await dkr(['logout', 'h.example'], {env})
    assert.deepEqual([result.code, result.stdout, result.stderr], [1, 'Removing login credentials for h.example\n', `not saving ${configFile}: it is nested too deeply to be written back whole\n`])
    assert.equal(readFileSync(configFile, 'utf8'), text)
  })
})

describe('dkr login with the engine unreachable: the registry is asked directly, as docker 28 does', () => {
  /** docker logs its endpoint attempts with logrus at info level; dkr keeps those for --debug. */
  const withoutLogrus = (text: string) => text.split('\n').filter((line) => !line.startsWith('time=')).join('\n')
  const unreachable = {DOCKER_HOST: 'unix:///nonexistent/docker.sock'}

  it('right password: Login Succeeded, stored where docker then pulls with it, the same output as docker', async () => {
    const ours = credentialEnv([], unreachable)
    const theirs = credentialEnv([], unreachable)
    const result = await loginWithStdin(ours.env)
    const oracle = await docker(['login', '-u', stack.privateUser, '--password-stdin', stack.privateRegistry], {env: theirs.env, input: stack.privatePassword})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'Login Succeeded\n')
    assert.deepEqual({code: result.code, stderr: result.stderr.replaceAll(ours.configFile, 'CONFIG'), stdout: result.stdout}, {code: oracle.code, stderr: withoutLogrus(oracle.stderr).replaceAll(theirs.configFile, 'CONFIG'), stdout: oracle.stdout})
    assert.deepEqual(readJson(ours.configFile), readJson(theirs.configFile))
    assertNoSecret(result)
    const pull = await docker(['pull', '-q', privateImage()], {env: {...ours.env, DOCKER_HOST: stack.dockerHost}})
    assert.equal(pull.code, 0, pull.stderr)
    await removeImages(privateImage())
  })

  it('wrong password, or a registry that is down: docker\'s line, exit 1, nothing stored', async () => {
    for (const [server, password] of [[stack.privateRegistry, 'not-the-password'], ['127.0.0.1:1', 'x']]) {
      const {configFile, env} = credentialEnv([], unreachable)
      const args = ['login', '-u', stack.privateUser, '--password-stdin', server]
      const [result, oracle] = await Promise.all([dkr(args, {env, input: password}), docker(args, {env: {...env, DOCKER_CONFIG: tempConfigDir()}, input: password})])
      assert.equal(result.code, 1)
      assert.equal(result.stderr, withoutLogrus(oracle.stderr), server)
      assert.equal(oracle.code, 1)
      assert.throws(() => readFileSync(configFile), /ENOENT/)
    }
  })
})

for (const engine of enginesUnderTest()) {
  describeEngine(engine, 'dkr login and logout', () => {
    before(() => removeImages(privateImage()))
    after(() => removeImages(privateImage()))

    it('logs in with --password-stdin into a new private config.json and warns that it is unencrypted', async () => {
      const {configDir, env} = credentialEnv()
      const nested = join(configDir, 'fresh')
      env.DOCKER_CONFIG = nested
      const result = await loginWithStdin(env)
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stdout, 'Login Succeeded\n')
      assert.equal(result.stderr, `\nWARNING! Your credentials are stored unencrypted in '${nested}/config.json'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`)
      assert.equal(statSync(nested).mode & 0o777, 0o700)
      assert.equal(statSync(join(nested, 'config.json')).mode & 0o777, 0o600)
      const auth = (readJson(join(nested, 'config.json')).auths as Record<string, {auth: string}>)[stack.privateRegistry].auth
      assert.equal(Buffer.from(auth, 'base64').toString(), `${stack.privateUser}:${stack.privatePassword}`)
      // Logging in again with the same credentials changes nothing, so there is nothing to warn about.
      const again = await loginWithStdin(env)
      assert.equal(again.stderr, '')
      assertNoSecret(result, again)
    })

    it('a login made by dkr lets docker pull, and a login made by docker lets dkr pull', async () => {
      const ours = credentialEnv()
      assert.equal((await loginWithStdin(ours.env)).code, 0)
      const dockerPull = await docker(['pull', '-q', privateImage()], {env: ours.env})
      assert.equal(dockerPull.code, 0, dockerPull.stderr)
      await removeImages(privateImage())

      const theirs = credentialEnv()
      const dockerLogin = await docker(['login', '-u', stack.privateUser, '--password-stdin', stack.privateRegistry], {env: theirs.env, input: stack.privatePassword})
      assert.equal(dockerLogin.code, 0, dockerLogin.stderr)
      const dkrPull = await dkr(['pull', '-q', privateImage()], {env: theirs.env})
      assert.equal(dkrPull.code, 0, dkrPull.stderr)
      assert.equal(dkrPull.stdout, `${privateImage()}\n`)
      await removeImages(privateImage())
    })

    it('a wrong password fails with the engine message and leaves config.json byte-identical', async () => {
      const {configFile, env} = credentialEnv()
      const before = '{\n  "auths": {"other.example:5000": {"auth": "YTpi"}},\n  "proxies": {"default": {"noProxy": "*.local"}},\n  "x-team-setting": [1, 2, 3]\n}\n'
      writeFileSync(configFile, before, {mode: 0o644})
      const result = await loginWithStdin(env, 'not-the-password', ['--debug'])
      assert.equal(result.code, 1)
      const theirs = await docker(['login', '-u', stack.privateUser, '--password-stdin', stack.privateRegistry], {env: {...env, DOCKER_CONFIG: tempConfigDir()}, input: 'not-the-password'})
      assert.equal(result.stderr.trim().split('\n')[0], theirs.stderr.trim().split('\n')[0])
      assert.match(result.stderr.trim().split('\n')[0], /^Error response from daemon: login attempt to .* failed with status: 401 Unauthorized$/)
      assert.equal(readFileSync(configFile, 'utf8'), before)
      assert.deepEqual(readdirSync(join(configFile, '..')), ['config.json'], 'no lock or temp files left')
      assert.ok(!result.stderr.includes('not-the-password'))
    })

    it('keeps every key it does not know, and a private file mode, through login and logout', async () => {
      const {configFile, env} = credentialEnv()
      writeFileSync(configFile, JSON.stringify({aliases: {builder: 'buildx'}, auths: {'other.example:5000': {auth: 'YTpi', email: 'a@b.c'}}, plugins: {x: {y: 'z'}}, 'x-team-setting': [1, 2, 3]}), {mode: 0o400})
      chmodSync(configFile, 0o400)
      assert.equal((await loginWithStdin(env)).code, 0)
      const loggedIn = readJson(configFile)
      assert.deepEqual(Object.keys(loggedIn), ['aliases', 'auths', 'plugins', 'x-team-setting'])
      assert.deepEqual(Object.keys(loggedIn.auths as object), ['other.example:5000', stack.privateRegistry])
      const logout = await dkr(['logout', `http://${stack.privateRegistry}/v2/`], {env})
      assert.equal(logout.code, 0)
      assert.equal(logout.stdout, `Removing login credentials for ${stack.privateRegistry}\n`)
      assert.deepEqual(readJson(configFile), {aliases: {builder: 'buildx'}, auths: {'other.example:5000': {auth: 'YTpi', email: 'a@b.c'}}, plugins: {x: {y: 'z'}}, 'x-team-setting': [1, 2, 3]})
      assert.equal(statSync(configFile).mode & 0o777, 0o400)
    })

    it('a config.json others can read becomes 0600 (owner kept) when a login stores a password in it, and says so; docker keeps 0644', async () => {
      const ours = credentialEnv()
      const theirs = credentialEnv()
      for (const {configFile} of [ours, theirs]) {
        writeFileSync(configFile, '{"auths": {}}\n')
        chmodSync(configFile, 0o644)
        chownSync(configFile, 65534, 65534)
      }

      const result = await loginWithStdin(ours.env)
      assert.equal(result.code, 0, result.stderr)
      assert.equal(statSync(ours.configFile).mode & 0o777, 0o600)
      assert.equal(statSync(ours.configFile).uid, 65534)
      assert.equal(statSync(ours.configFile).gid, 65534)
      assert.ok(result.stderr.startsWith(`WARNING: ${ours.configFile} holds credentials and was readable by others (mode 0644): its mode is now 0600\n`), result.stderr)
      assertNoSecret(result)
      const docker28 = await docker(['login', '-u', stack.privateUser, '--password-stdin', stack.privateRegistry], {env: theirs.env, input: stack.privatePassword})
      assert.equal(docker28.code, 0, docker28.stderr)
      assert.equal(statSync(theirs.configFile).mode & 0o777, 0o644, 'docker copies the old mode')
      // A second login finds the file private already: nothing to say.
      const again = await loginWithStdin(ours.env)
      assert.ok(!again.stderr.includes('readable by others'), again.stderr)
    })

    it('logout erases the legacy spellings docker erases, and docker then sees no login either', async () => {
      const {configFile, env} = credentialEnv()
      const auth = Buffer.from(`${stack.privateUser}:${stack.privatePassword}`).toString('base64')
      writeFileSync(configFile, JSON.stringify({auths: {[`http://${stack.privateRegistry}`]: {auth}, [`https://${stack.privateRegistry}`]: {auth}, [stack.privateRegistry]: {auth}}}))
      const logout = await dkr(['logout', stack.privateRegistry], {env})
      assert.equal(logout.code, 0)
      assert.deepEqual(readJson(configFile), {auths: {}})
      const pull = await docker(['pull', '-q', privateImage()], {env})
      assert.notEqual(pull.code, 0)
      assert.match(pull.stderr, engine.refusedPull)
    })

    it('with -p: docker\'s warning, and the password appears nowhere else', async () => {
      const {env} = credentialEnv()
      const result = await dkr(['login', '-u', stack.privateUser, '-p', stack.privatePassword, stack.privateRegistry, '--debug'], {env})
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stderr.split('\n')[0], 'WARNING! Using --password via the CLI is insecure. Use --password-stdin.')
      assertNoSecret(result)
    })

    it('tries the stored credentials first when no -u or -p is given', async () => {
      const {env} = credentialEnv()
      assert.equal((await loginWithStdin(env)).code, 0)
      const result = await dkr(['login', stack.privateRegistry], {env})
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stdout, 'Login Succeeded\n')
      assert.match(result.stderr, new RegExp(`^Authenticating with existing credentials\\.\\.\\. \\[Username: ${stack.privateUser}\\]`))
    })

    // The helper protocol does not depend on the engine (only the final login and pull reach it): once,
    // on dockerd 20.10, keeps the run short.
    if (engine.kind === 'dockerd') describe('with a credential helper', () => {
      it('stores in credsStore, leaves docker\'s marker in auths, and both docker and dkr pull with it', async () => {
        const {bin, configFile, env} = credentialEnv(['dkrtest'])
        writeFileSync(configFile, JSON.stringify({credsStore: 'dkrtest'}))
        const login = await loginWithStdin(env)
        assert.equal(login.code, 0, login.stderr)
        assert.equal(login.stderr, '', 'no unencrypted-storage warning with a helper')
        assert.deepEqual(bin.entries(), {[stack.privateRegistry]: {Secret: stack.privatePassword, Username: stack.privateUser}})
        assert.deepEqual(readJson(configFile), {auths: {[stack.privateRegistry]: {}}, credsStore: 'dkrtest'})
        const ours = await dkr(['pull', '-q', privateImage()], {env})
        assert.equal(ours.code, 0, ours.stderr)
        await removeImages(privateImage())
        const theirs = await docker(['pull', '-q', privateImage()], {env})
        assert.equal(theirs.code, 0, theirs.stderr)
        await removeImages(privateImage())
        const logout = await dkr(['logout', stack.privateRegistry], {env})
        assert.equal(logout.code, 0)
        assert.equal(logout.stderr, '', 'one erase succeeded, so no warning')
        assert.deepEqual(bin.entries(), {})
        assert.deepEqual(readJson(configFile), {auths: {}, credsStore: 'dkrtest'})
        assert.deepEqual(bin.calls().filter((c) => c.startsWith('erase')), [`erase ${stack.privateRegistry}`, `erase http://${stack.privateRegistry}`, `erase https://${stack.privateRegistry}`])
      })

      it('credHelpers wins over credsStore for its registry', async () => {
        const {bin, configFile, env} = credentialEnv(['dkrtest'])
        writeFileSync(configFile, JSON.stringify({credHelpers: {[stack.privateRegistry]: 'dkrtest'}, credsStore: 'nosuch'}))
        assert.equal((await loginWithStdin(env)).code, 0)
        assert.deepEqual(Object.keys(bin.entries()), [stack.privateRegistry])
      })

      it('a missing helper fails the login with docker\'s message and changes nothing', async () => {
        const {configFile, env} = credentialEnv()
        writeFileSync(configFile, '{"credsStore": "nosuch"}')
        const result = await loginWithStdin(env)
        assert.equal(result.code, 1)
        assert.equal(result.stderr, 'Error saving credentials: error storing credentials - err: exec: "docker-credential-nosuch": executable file not found in $PATH, out: ``\n')
        assert.equal(readFileSync(configFile, 'utf8'), '{"credsStore": "nosuch"}')
      })

      for (const [mode, expected] of [['fail', 'err: exit status 1, out: `helper exploded`'], ['hang', 'did not answer within 2s']] as const) {
        it(`a helper that misbehaves (${mode}) fails the login clearly and quickly`, async () => {
          const {configFile, env} = credentialEnv(['dkrtest'], {DKR_CREDENTIAL_HELPER_TIMEOUT: '2', DKR_TEST_HELPER_MODE: mode})
          writeFileSync(configFile, '{"credsStore": "dkrtest"}')
          const started = Date.now()
          const result = await loginWithStdin(env)
          assert.equal(result.code, 1)
          assert.ok(result.stderr.startsWith('Error saving credentials: error storing credentials - '), result.stderr)
          assert.ok(result.stderr.includes(expected), result.stderr)
          assert.ok(Date.now() - started < 15_000)
          assertNoSecret(result)
        })
      }

      it('a pull whose helper answers garbage goes on anonymously and is refused with a login hint', async () => {
        const {configFile, env} = credentialEnv(['dkrtest'], {DKR_TEST_HELPER_MODE: 'garbage'})
        writeFileSync(configFile, '{"credsStore": "dkrtest"}')
        const result = await dkr(['pull', privateImage()], {env})
        assert.equal(result.code, 1)
        const [refusal, ...rest] = result.stderr.split('\n').slice(-3)
        assert.match(refusal, engine.refusedPull)
        assert.deepEqual(rest, [`Run 'dkr login ${stack.privateRegistry}' to log in, then pull again`, ''])
      })

      it('picks a platform helper only if it answers: a headless secretservice means the file, docker fails', async () => {
        const broken = credentialEnv(['secretservice'], {DKR_TEST_HELPER_MODE: 'dbus'})
        const ours = await loginWithStdin(broken.env)
        assert.equal(ours.code, 0, ours.stderr)
        assert.match(ours.stderr, /stored unencrypted/)
        assert.ok(!('credsStore' in readJson(broken.configFile)))
        const theirs = await docker(['login', '-u', stack.privateUser, '--password-stdin', stack.privateRegistry], {env: {...broken.env, DOCKER_CONFIG: tempConfigDir()}, input: stack.privatePassword})
        assert.equal(theirs.code, 1)
        assert.match(theirs.stderr, /Cannot autolaunch D-Bus/)

        const working = credentialEnv(['secretservice'])
        assert.equal((await loginWithStdin(working.env)).code, 0)
        assert.deepEqual(readJson(working.configFile), {auths: {[stack.privateRegistry]: {}}, credsStore: 'secretservice'})
        assert.equal(working.bin.entries()[stack.privateRegistry].Secret, stack.privatePassword)
      })
    })

    it('refuses to write over a config.json it cannot read', async () => {
      const {configFile, env} = credentialEnv()
      mkdirSync(join(configFile, '..'), {recursive: true})
      writeFileSync(configFile, '{"auths": {')
      const result = await loginWithStdin(env)
      assert.equal(result.code, 1)
      assert.deepEqual(result.stderr.split('\n').map((line) => line.split(':')[0]), ['Error saving credentials', 'WARNING', ''])
      assert.match(result.stderr, /Error parsing config file/)
      assert.equal(readFileSync(configFile, 'utf8'), '{"auths": {')
    })
  })
}
