// Which engine to talk to and how, resolved the way the docker CLI does it: --context, then --host,
// then DOCKER_HOST, then DOCKER_CONTEXT, then config.json's currentContext, then the default socket.
// dockerode reads none of contexts, docker's TLS variables or ~/.docker certificates, so dkr resolves
// everything here and hands dockerode explicit options.
import {createHash} from 'node:crypto'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join, matchesGlob} from 'node:path'
import {DkrError, UsageError} from '../errors.js'

export const defaultUnixSocket = '/var/run/docker.sock'

export interface TlsFiles {
  ca?: string
  cert?: string
  key?: string
  verify: boolean
}

export type Transport =
  | {kind: 'ssh'; host: string; port: number; username?: string}
  | {kind: 'tcp'; host: string; port: number; tls?: TlsFiles}
  | {kind: 'unix'; socketPath: string}

export interface Endpoint {
  /** The host as docker prints it in messages (`unix:///var/run/docker.sock`, `tcp://127.0.0.1:2376`). */
  host: string
  context: string
  transport: Transport
}

export interface EndpointOptions {
  context?: string
  host?: string
  /** Every -c/--context value (each a name or a glob) and every -H/--host, when a command may reach several engines. */
  contexts?: readonly string[]
  hosts?: readonly string[]
  tls?: boolean
  tlsverify?: boolean
  tlscacert?: string
  tlscert?: string
  tlskey?: string
  configDir: string
  currentContext?: string
  env: NodeJS.ProcessEnv
}

const initFailure = (message: string) => new DkrError(`Failed to initialize: unable to resolve docker endpoint: ${message}`)

/** opts.ParseHost: docker's accepted host strings, normalised. */
export function parseHost(value: string, tls: boolean): {host: string; transport: Transport} {
  const raw = value.trim()
  if (raw === '') {
    return tls ? parseHost('tcp://localhost:2376', tls) : {host: `unix://${defaultUnixSocket}`, transport: {kind: 'unix', socketPath: defaultUnixSocket}}
  }

  const scheme = /^([a-z]+):\/\//.exec(raw)?.[1]
  if (scheme === 'unix') {
    const socketPath = raw.slice('unix://'.length) || defaultUnixSocket
    return {host: `unix://${socketPath}`, transport: {kind: 'unix', socketPath}}
  }

  if (scheme === 'ssh') {
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      throw initFailure(`invalid bind address format: ${raw}`)
    }

    return {host: raw, transport: {host: url.hostname.replace(/^\[|\]$/g, ''), kind: 'ssh', port: Number(url.port || 22), username: url.username || undefined}}
  }

  if (scheme === undefined || scheme === 'tcp') {
    const address = scheme ? raw.slice('tcp://'.length) : raw
    const match = /^(\[[^\]]+\]|[^:/]*)(?::(\d*))?\/?$/.exec(address)
    if (!match) throw initFailure(`invalid bind address format: ${raw}`)
    const host = (match[1] || 'localhost').replace(/^\[|\]$/g, '')
    const port = match[2] ? Number(match[2]) : tls ? 2376 : 2375
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw initFailure(`invalid bind address format: ${raw}`)
    const shown = host.includes(':') ? `[${host}]` : host
    return {host: `tcp://${shown}:${port}`, transport: {host, kind: 'tcp', port}}
  }

  throw initFailure(`invalid bind address format: ${raw}`)
}

function contextDirName(name: string): string {
  return createHash('sha256').update(name).digest('hex')
}

interface ContextMeta {
  Name?: string
  Metadata?: {Description?: string}
  Endpoints?: {docker?: {Host?: string; SkipTLSVerify?: boolean}}
}

export interface DockerContext {
  name: string
  description: string
  host: string
  skipTLSVerify: boolean
  /** Where docker keeps the context's ca.pem, cert.pem and key.pem. */
  tlsDir: string
}

/** The built-in context: whatever --host / DOCKER_HOST say, else the default socket. */
export const defaultContextName = 'default'

function contextFromMeta(configDir: string, dir: string, meta: ContextMeta): DockerContext {
  return {
    description: meta.Metadata?.Description ?? '',
    host: meta.Endpoints?.docker?.Host ?? '',
    name: meta.Name ?? '',
    skipTLSVerify: Boolean(meta.Endpoints?.docker?.SkipTLSVerify),
    tlsDir: join(configDir, 'contexts', 'tls', dir, 'docker'),
  }
}

/** A context written by `docker context create`, from docker's own store; docker's error when it is missing. */
export function readContext(configDir: string, name: string): DockerContext {
  const dir = contextDirName(name)
  const metaPath = join(configDir, 'contexts', 'meta', dir, 'meta.json')
  try {
    return contextFromMeta(configDir, dir, JSON.parse(readFileSync(metaPath, 'utf8')) as ContextMeta)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? `open ${metaPath}: no such file or directory` : (error as Error).message
    throw new DkrError(`context "${name}": context not found: ${reason}`)
  }
}

/** Every context in docker's store (unreadable ones are skipped: they cannot be used either). */
export function listStoredContexts(configDir: string): DockerContext[] {
  const metaRoot = join(configDir, 'contexts', 'meta')
  let dirs: string[]
  try {
    dirs = readdirSync(metaRoot)
  } catch {
    return []
  }

  return dirs.flatMap((dir) => {
    try {
      return [contextFromMeta(configDir, dir, JSON.parse(readFileSync(join(metaRoot, dir, 'meta.json'), 'utf8')) as ContextMeta)]
    } catch {
      return []
    }
  })
}

/** The context name docker would use, without reading the context itself. */
export function contextName(options: EndpointOptions): string {
  if (options.context && options.host) throw new UsageError('conflicting options: cannot specify both --host and --context')
  if (options.context) return options.context
  if (options.host || options.env.DOCKER_HOST) return defaultContextName
  return options.env.DOCKER_CONTEXT || options.currentContext || defaultContextName
}

function requireFile(path: string): string {
  if (!existsSync(path)) throw initFailure(`open ${path}: no such file or directory`)
  return path
}

function tlsFromFlags(options: EndpointOptions): TlsFiles | undefined {
  const verify = Boolean(options.tlsverify || options.env.DOCKER_TLS_VERIFY)
  if (!verify && !options.tls && !options.env.DOCKER_TLS) return undefined
  const certPath = options.env.DOCKER_CERT_PATH || options.configDir
  // Explicit files must exist; defaults are used only when present, except the CA when verifying.
  const pick = (flag: string | undefined, file: string, required: boolean) => {
    if (flag) return requireFile(flag)
    const path = join(certPath, file)
    if (existsSync(path)) return path
    return required ? requireFile(path) : undefined
  }

  return {ca: pick(options.tlscacert, 'ca.pem', verify), cert: pick(options.tlscert, 'cert.pem', false), key: pick(options.tlskey, 'key.pem', false), verify}
}

export function resolveEndpoint(options: EndpointOptions): Endpoint {
  const context = contextName(options)
  if (context !== defaultContextName) {
    let meta: DockerContext
    try {
      meta = readContext(options.configDir, context)
    } catch (error) {
      throw initFailure((error as Error).message)
    }

    const parsed = parseHost(meta.host, false)
    if (parsed.transport.kind === 'tcp') {
      const file = (name: string) => (existsSync(join(meta.tlsDir, name)) ? join(meta.tlsDir, name) : undefined)
      const ca = file('ca.pem')
      const cert = file('cert.pem')
      const key = file('key.pem')
      if (ca || cert || key) parsed.transport.tls = {ca, cert, key, verify: !meta.skipTLSVerify}
    }

    return {context, host: parsed.host, transport: parsed.transport}
  }

  const tls = tlsFromFlags(options)
  const parsed = parseHost(options.host ?? options.env.DOCKER_HOST ?? '', tls !== undefined)
  if (parsed.transport.kind === 'tcp' && tls) parsed.transport.tls = tls
  return {context, host: parsed.host, transport: parsed.transport}
}

/** An engine a command reaches, under the name its lines and results show: the context's, or the host's. */
export interface NamedEndpoint {
  name: string
  endpoint: Endpoint
}

const globCharacters = /[*?[]/

/** The stored contexts (and the built-in one) whose names match `pattern`, sorted as `dkr context ls` sorts them. */
function contextsMatching(configDir: string, pattern: string): string[] {
  const names = [defaultContextName, ...listStoredContexts(configDir).map((c) => c.name)]
  const matching = names.filter((name) => matchesGlob(name, pattern)).sort((a, b) => a.localeCompare(b, 'en', {numeric: true}))
  if (matching.length === 0) throw new DkrError(`no context matches ${pattern} (see dkr context ls)`)
  return matching
}

/**
 * The engines named by -c/--context (repeated or comma-separated, each a context name or a glob over
 * the contexts) or -H/--host (repeated); without either, the one engine resolveEndpoint picks. A name
 * given twice is one engine.
 */
export function selectEndpoints(options: EndpointOptions): NamedEndpoint[] {
  const contexts = options.contexts ?? (options.context ? [options.context] : [])
  const hosts = options.hosts ?? (options.host ? [options.host] : [])
  if (contexts.length > 0 && hosts.length > 0) throw new UsageError('conflicting options: cannot specify both --host and --context')
  if (hosts.length > 1) {
    return [...new Set(hosts)].map((host) => {
      const endpoint = resolveEndpoint({...options, context: undefined, host})
      return {endpoint, name: endpoint.host}
    })
  }

  const names = [...new Set(contexts.flatMap((value) => (globCharacters.test(value) ? contextsMatching(options.configDir, value) : [value])))]
  if (names.length > 1) return names.map((context) => ({endpoint: resolveEndpoint({...options, context, host: undefined}), name: context}))
  const endpoint = resolveEndpoint({...options, context: names[0] ?? options.context})
  return [{endpoint, name: endpoint.context === defaultContextName ? endpoint.host : endpoint.context}]
}
