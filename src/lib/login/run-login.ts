// docker's runLogin and runLogout: which key a server's credentials live under, stored credentials first,
// then prompts on a terminal, the engine's check (POST /auth, or the registry's own when the engine is
// unreachable: direct-login.ts), and the store docker would use. The same
// interactive login serves `dkr pull` when a registry refuses it.
import {authLookup} from '../cli/auth-lookup.js'
import type {Cli} from '../cli/context.js'
import {DkrError, EngineUnreachableError, isCancelled} from '../errors.js'
import {convertToHostname, type AuthConfig} from '../credentials/auth-config.js'
import {ConfigWriteError} from '../credentials/config-file.js'
import type {AuthRequest, AuthResponse} from '../engine/client.js'
import {eraseCredentials, storeCredentials, unencryptedWarning} from '../credentials/store.js'
import {isRefusal} from '../registry/refusal.js'
import {hubAuthKey} from '../registry/repository-info.js'
import {checkWithRegistry} from './direct-login.js'

export interface LoginOptions {
  server?: string
  username?: string
  password?: string
  passwordStdin: boolean
}

const hubHosts = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io'])

/** The key a login is stored under: Docker Hub's URL, or the bare `host[:port]` of any other registry. */
export function loginKey(server: string | undefined): string {
  if (!server) return hubAuthKey
  const host = convertToHostname(server)
  return hubHosts.has(host) ? hubAuthKey : host
}

/** How to name a registry in a `dkr login` hint: nothing for Docker Hub. */
export function loginCommandFor(key: string, bin: string): string {
  return key === hubAuthKey ? `${bin} login` : `${bin} login ${key}`
}

async function readAll(input: Cli['streams']['in']): Promise<string> {
  let text = ''
  for await (const chunk of input) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8')
  return text
}

/** docker strips one trailing newline, then one carriage return, from a piped password. */
function stripLineEnd(text: string): string {
  const withoutNewline = text.endsWith('\n') ? text.slice(0, -1) : text
  return withoutNewline.endsWith('\r') ? withoutNewline.slice(0, -1) : withoutNewline
}

function validate(options: LoginOptions): void {
  if (options.password !== undefined && options.passwordStdin) throw new DkrError('conflicting options: cannot specify both --password and --password-stdin')
  if (options.passwordStdin && !options.username) throw new DkrError('the --password-stdin option requires --username to be set')
  if (options.username !== undefined && options.username.trim() === '') throw new DkrError('username is empty')
  if (options.password === '') throw new DkrError('password is empty')
}

interface Credentials {
  username: string
  password: string
}

/** Asks for whatever is still missing; only on a terminal, never a hang on a pipe. */
async function promptCredentials(cli: Cli, key: string, known: {username?: string; password?: string; defaultUsername?: string}): Promise<Credentials> {
  if (known.username !== undefined && known.password !== undefined) return {password: known.password, username: known.username}
  if (!cli.streams.in.isTTY) throw new DkrError('Error: Cannot perform an interactive login from a non TTY device')
  const {out} = cli.streams
  let {username} = known
  if (username === undefined) {
    if (key === hubAuthKey) {
      out.write("Log in with your Docker ID or email address to push and pull images from Docker Hub. If you don't have a Docker ID, head over to https://hub.docker.com/ to create one.\n")
    }

    const suggested = known.defaultUsername
    const answer = (await cli.prompt(suggested ? `Username (${suggested}):` : 'Username:')).trim()
    username = answer || suggested || ''
    if (!username) throw new DkrError('Error: Non-null Username Required')
  }

  const password = known.password ?? (await cli.prompt('Password:', {silent: true}))
  if (!password) throw new DkrError('Error: Password Required')
  return {password, username}
}

/** POST /auth; when nothing answers at the engine's address, the registry is asked directly, as docker 28 does. */
async function authenticate(cli: Cli, request: AuthRequest): Promise<AuthResponse> {
  try {
    return await cli.engine().auth(request, cli.signal)
  } catch (error) {
    if (!(error instanceof EngineUnreachableError)) throw error
    cli.debug(`${error.message}: logging in to ${request.serveraddress} directly`)
    return checkWithRegistry(request, cli.signal)
  }
}

/** The check, then the store: what every successful login path ends with. Returns the status line. */
async function authenticateAndStore(cli: Cli, key: string, credentials: Credentials, email?: string): Promise<string> {
  const response = await authenticate(cli, {...credentials, serveraddress: key})
  // An identity token replaces the password: the password itself is never stored then.
  const stored: AuthConfig = response.IdentityToken
    ? {email, identitytoken: response.IdentityToken, serveraddress: key, username: credentials.username}
    : {...credentials, email, serveraddress: key}
  const outcome = await storeCredentials(cli.configDir, key, stored, {env: cli.streams.env, signal: cli.signal})
  if (outcome.warning) cli.streams.err.write(`${outcome.warning}\n`)
  if (outcome.unencryptedIn) cli.streams.err.write(unencryptedWarning(outcome.unencryptedIn))
  return response.Status
}

async function storedCredentials(cli: Cli, key: string): Promise<AuthConfig> {
  const loaded = await cli.loadConfig()
  if (loaded.warning) cli.streams.err.write(`${loaded.warning}\n`)
  return authLookup(cli, loaded)(key)
}

/** Prompts for (all of) the credentials of `key`, checks and stores them: the login a refused pull offers. */
export async function loginInteractively(cli: Cli, key: string): Promise<string> {
  const stored = await storedCredentials(cli, key)
  const credentials = await promptCredentials(cli, key, {defaultUsername: stored.username})
  return authenticateAndStore(cli, key, credentials, stored.email)
}

export async function runLogin(cli: Cli, options: LoginOptions, bin = 'dkr'): Promise<void> {
  validate(options)
  const {err, out} = cli.streams
  let {password} = options
  if (password !== undefined) err.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n')
  if (options.passwordStdin) {
    password = stripLineEnd(await readAll(cli.streams.in))
    if (!password) throw new DkrError('password is empty')
  }

  const key = loginKey(options.server)
  const username = options.username?.trim()
  // Stored credentials matter only when something is missing: a default username, or a login without prompts.
  const stored = username === undefined || password === undefined ? await storedCredentials(cli, key) : {serveraddress: key}
  if (username === undefined && password === undefined && stored.username && stored.password) {
    err.write(`Authenticating with existing credentials... [Username: ${stored.username}]\n`)
    err.write(`\nInfo → To login with a different account, run '${bin} logout' followed by '${bin} login'\n\n`)
    try {
      out.write(`${await authenticateAndStore(cli, key, {password: stored.password, username: stored.username}, stored.email)}\n`)
      return
    } catch (error) {
      if (isCancelled(error)) throw error
      err.write(isRefusal(error) ? 'Stored credentials invalid or expired\n' : `Login did not succeed, error: ${(error as Error).message}\n`)
    }
  }

  const credentials = await promptCredentials(cli, key, {defaultUsername: stored.username, password, username})
  out.write(`${await authenticateAndStore(cli, key, credentials, stored.email)}\n`)
}

/** docker logout: erases the key and the legacy spellings of the same registry; fails only if every erase failed. */
export async function runLogout(cli: Cli, server: string | undefined): Promise<void> {
  const key = loginKey(server)
  const keys = key === hubAuthKey ? [hubAuthKey] : [...new Set([server ?? key, key, `http://${key}`, `https://${key}`])]
  cli.streams.out.write(`Removing login credentials for ${key}\n`)
  const failures: string[] = []
  for (const candidate of keys) {
    try {
      const warning = await eraseCredentials(cli.configDir, candidate, {env: cli.streams.env, signal: cli.signal})
      if (warning) cli.streams.err.write(`${warning}\n`)
    } catch (error) {
      if (isCancelled(error)) throw error
      // docker warns only when every spelling failed (a helper refuses to erase the ones it never held),
      // but a config.json that could not be written still holds the credential: that is a failure.
      if (error instanceof ConfigWriteError) throw error
      failures.push(`${candidate}: ${(error as Error).message}`)
    }
  }

  if (failures.length === keys.length) cli.streams.err.write(`WARNING: could not erase credentials:\n${failures.join('\n')}\n`)
}
