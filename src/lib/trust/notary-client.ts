// A verifying Notary client: fetches a repository's TUF metadata (root, timestamp, snapshot, targets,
// targets/releases), verifies each step before it is used or cached, and answers which digest a tag is
// signed for. The cache is docker's (`trust/tuf/<gun>/metadata/`), so dkr and docker share trust state.
import {readdirSync, readFileSync} from 'node:fs'
import {mkdir, readFile} from 'node:fs/promises'
import {Agent, get as httpsGet} from 'node:https'
import {join} from 'node:path'
import {rootCertificates} from 'node:tls'
import type {AuthConfig} from '../credentials/auth-config.js'
import {exchange, RegistryError} from '../registry/http.js'
import {describeNetworkError} from '../registry/network-error.js'
import {TokenAuth} from '../registry/token-auth.js'
import {TrustError} from './errors.js'
import {
  checkFreshness,
  checkHashes,
  checkSignatures,
  hexSha256,
  parseEnvelope,
  rootCertificatesNearExpiry,
  rotateRoot,
  trustNewRoot,
  type DelegationRole,
  type Envelope,
  type FileMeta,
  type RootSigned,
  type Signed,
  type SnapshotSigned,
  type TargetsSigned,
  type TimestampSigned,
} from './metadata.js'

export interface NotaryOptions {
  /** https URL of the Notary server. */
  server: string
  /** The repository's fully qualified name (`127.0.0.1:5000/signed/app`). */
  gun: string
  configDir: string
  /** Skip certificate checks: docker does so when the image's registry is insecure (loopback). */
  insecure: boolean
  now: Date
  /** docker's warnings (stale cache in use, an invalid delegation ignored). */
  warn(line: string): void
  signal?: AbortSignal
  /** The registry's credentials: Notary servers with token auth (Docker Hub's) trade them for a bearer token. */
  auth?: AuthConfig
}

export interface SignedTarget {
  tag: string
  digest: string
}

const releasesRole = 'targets/releases'
const timestampLimit = 1024 * 1024
/**
 * The most dkr reads of any metadata file, whatever length the signed parent claims. Notary allows 100
 * MiB; real roots and targets are kilobytes, and a file is held whole and parsed, so this keeps dkr's
 * memory bounded (150 MiB in all) against a server that sends or signs for more.
 */
const metadataLimit = 8 * 1024 * 1024
const tokenLimit = 1024 * 1024
const requestTimeoutMs = 30_000
const staleTimestampWarning = 'Error while downloading remote metadata, using cached timestamp - this might not be the latest version available remotely'

/** Extra CAs for the trust server, where docker looks for them: `$DOCKER_CONFIG/tls/<host:port>/*.crt`. */
function extraCertificates(configDir: string, host: string): string[] {
  const dir = join(configDir, 'tls', host)
  try {
    return readdirSync(dir).filter((name) => name.endsWith('.crt')).map((name) => readFileSync(join(dir, name), 'utf8'))
  } catch {
    return []
  }
}

/** A 401 and the challenge it came with. */
class Challenged {
  constructor(readonly wwwAuthenticate: string | undefined) {}
}

class NotaryServer {
  private readonly url: URL
  private agent: Agent | undefined

  private readonly tokens: TokenAuth

  constructor(private readonly options: NotaryOptions) {
    this.url = new URL(options.server)
    this.tokens = new TokenAuth(options.auth ?? {}, (method, url, headers, body) =>
      exchange(url, {body, ca: extraCertificates(options.configDir, url.host), headers, limit: tokenLimit, method, signal: options.signal, verify: !(options.insecure && url.host === this.host)}),
    )
  }

  get host(): string {
    return this.url.host
  }

  /** GET one metadata file; undefined on 404; at most `limit` bytes or it is refused. A 401's challenge is answered once. */
  async fetch(name: string, limit: number): Promise<Buffer | undefined> {
    const scope = `repository:${this.options.gun}:pull`
    const first = await this.get(name, limit, this.tokens.headers(scope))
    if (!(first instanceof Challenged)) return first
    let answered: boolean
    try {
      answered = await this.tokens.answer(first.wwwAuthenticate, scope)
    } catch (error) {
      if (error instanceof RegistryError) throw new TrustError('network', error.message)
      throw error
    }

    const second = answered ? await this.get(name, limit, this.tokens.headers(scope)) : first
    if (second instanceof Challenged) throw new TrustError('network', `GET ${name}.json: 401 Unauthorized`)
    return second
  }

  private async get(name: string, limit: number, authorization: Record<string, string>): Promise<Buffer | undefined | Challenged> {
    this.agent ??= new Agent({ca: [...rootCertificates, ...extraCertificates(this.options.configDir, this.host)], rejectUnauthorized: !this.options.insecure})
    const path = `${this.url.pathname.replace(/\/$/, '')}/v2/${this.options.gun}/_trust/tuf/${name}.json`
    let deadline: NodeJS.Timeout | undefined
    return new Promise<Buffer | undefined | Challenged>((resolve, reject) => {
      const request = httpsGet({agent: this.agent, headers: {'User-Agent': 'dkr', ...authorization}, host: this.url.hostname, path, port: this.url.port || 443, signal: this.options.signal, timeout: requestTimeoutMs}, (response) => {
        if (response.statusCode === 404) {
          response.resume()
          resolve(undefined)
          return
        }

        if (response.statusCode === 401) {
          response.resume()
          resolve(new Challenged(response.headers['www-authenticate']))
          return
        }

        if (response.statusCode !== 200) {
          response.resume()
          reject(new TrustError('network', `GET ${name}.json: ${response.statusCode} ${response.statusMessage ?? ''}`.trim()))
          return
        }

        const chunks: Buffer[] = []
        let size = 0
        response.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > limit) {
            request.destroy()
            reject(new TrustError('mismatch', `${name}: more than the ${limit} bytes signed for`))
            return
          }

          chunks.push(chunk)
        })
        response.on('end', () => resolve(Buffer.concat(chunks)))
        response.on('error', (error) => reject(new TrustError('network', describeNetworkError(error, this.host))))
      })
      const timedOut = () => request.destroy(Object.assign(new Error(`timed out after ${requestTimeoutMs / 1000}s`), {code: 'ETIMEDOUT'}))
      request.on('timeout', timedOut)
      // The socket timeout is for silence; a server trickling a byte at a time meets this one.
      deadline = setTimeout(timedOut, requestTimeoutMs)
      request.on('error', (error: NodeJS.ErrnoException) => reject(error instanceof TrustError ? error : new TrustError('network', describeNetworkError(error, this.host))))
    }).finally(() => clearTimeout(deadline))
  }
}

/** docker's trust cache for one repository: verified files only, 0600 in 0700 directories. */
class TrustCache {
  readonly dir: string

  constructor(configDir: string, gun: string) {
    this.dir = join(configDir, 'trust', 'tuf', gun, 'metadata')
  }

  async read(role: string): Promise<Buffer | undefined> {
    return readFile(join(this.dir, `${role}.json`)).catch(() => undefined)
  }

  async write(role: string, raw: Buffer): Promise<void> {
    const file = join(this.dir, `${role}.json`)
    await mkdir(join(file, '..'), {mode: 0o700, recursive: true})
    const {default: writeFileAtomic} = await import('write-file-atomic')
    await writeFileAtomic(file, raw, {mode: 0o600})
  }
}

export interface TrustedRepository {
  /** The digest `tag` is signed for: targets/releases first, then targets. */
  lookup(tag: string): SignedTarget
  /** Every signed tag, targets/releases first (it wins for a tag in both). */
  all(): SignedTarget[]
}

function pathAllowed(role: DelegationRole | undefined, tag: string): boolean {
  const paths: unknown = role?.paths
  return Array.isArray(paths) && paths.some((prefix) => typeof prefix === 'string' && tag.startsWith(prefix))
}

function toSignedTarget(tag: string, targets: TargetsSigned): SignedTarget {
  const hash = targets.targets[tag]?.hashes?.sha256
  if (typeof hash !== 'string' || !hash) throw new TrustError('no-target', 'no valid hash, expecting sha256')
  return {digest: `sha256:${Buffer.from(hash, 'base64').toString('hex')}`, tag}
}

export class NotaryClient {
  private readonly server: NotaryServer
  private readonly cache: TrustCache

  constructor(private readonly options: NotaryOptions) {
    this.server = new NotaryServer(options)
    this.cache = new TrustCache(options.configDir, options.gun)
  }

  /** Brings the repository's trust data up to date (or uses the verified cache when the server is down). */
  async update(): Promise<TrustedRepository> {
    const cachedRoot = await this.cachedRoot()
    try {
      return await this.updateFrom(cachedRoot ?? (await this.firstRoot()))
    } catch (error) {
      // A root that changed on the server shows up as data the cached root cannot verify: rotate once.
      if (!cachedRoot || !(error instanceof RootChanged || (error instanceof TrustError && error.kind === 'threshold'))) throw error
      const next = await this.downloadRoot()
      await this.rotate(cachedRoot, next)
      await this.cache.write('root', next.raw)
      return this.updateFrom(next)
    }
  }

  /**
   * From the trusted root to the server's latest through every version between (`<v>.root.json`), each
   * signed by the one before it, as TUF rotates: several rotations since the last pull are followed.
   */
  private async rotate(trusted: Envelope<RootSigned>, latest: Envelope<RootSigned>): Promise<void> {
    let current = trusted
    for (let version = trusted.signed.version + 1; version < latest.signed.version; version++) {
      const raw = await this.server.fetch(`${version}.root`, metadataLimit)
      if (!raw) throw new TrustError('untrusted-root', `could not rotate trust to a new trusted root: root version ${version} is missing`)
      const step = parseEnvelope<RootSigned>(raw, 'root')
      if (step.signed.version !== version) throw new TrustError('mismatch', `${version}.root: holds version ${step.signed.version}`)
      rotateRoot(current, step, this.options.gun, this.options.now, true)
      current = step
    }

    rotateRoot(current, latest, this.options.gun, this.options.now)
  }

  private async cachedRoot(): Promise<Envelope<RootSigned> | undefined> {
    const raw = await this.cache.read('root')
    if (!raw) return undefined
    const root = parseEnvelope<RootSigned>(raw, 'root')
    checkSignatures(root, 'root', root.signed.keys, root.signed.roles.root)
    checkFreshness(root.signed, 'root', this.options.now)
    return root
  }

  private async downloadRoot(): Promise<Envelope<RootSigned>> {
    const raw = await this.server.fetch('root', metadataLimit)
    if (!raw) throw new TrustError('no-repository', `${this.server.host} does not have trust data for ${this.options.gun}`)
    return parseEnvelope<RootSigned>(raw, 'root')
  }

  private async firstRoot(): Promise<Envelope<RootSigned>> {
    const root = await this.downloadRoot()
    trustNewRoot(root, this.options.gun, this.options.now)
    await this.cache.write('root', root.raw)
    return root
  }

  private async timestamp(root: Envelope<RootSigned>): Promise<Envelope<TimestampSigned>> {
    const cachedRaw = await this.cache.read('timestamp')
    const cached = cachedRaw ? parseEnvelope<TimestampSigned>(cachedRaw, 'timestamp') : undefined
    let raw: Buffer | undefined
    try {
      raw = await this.server.fetch('timestamp', timestampLimit)
    } catch (error) {
      if (!(error instanceof TrustError && error.kind === 'network') || !cachedRaw) throw error
      this.options.warn(staleTimestampWarning)
      raw = cachedRaw
    }

    if (!raw) throw new TrustError('missing', `${this.server.host} has no timestamp for ${this.options.gun}`)
    const timestamp = parseEnvelope<TimestampSigned>(raw, 'timestamp')
    checkSignatures(timestamp, 'timestamp', root.signed.keys, root.signed.roles.timestamp)
    checkFreshness(timestamp.signed, 'timestamp', this.options.now, cached?.signed.version)
    if (raw !== cachedRaw) await this.cache.write('timestamp', raw)
    return timestamp
  }

  /** A file listed (hash and length) by its parent: the cache when it still matches, else the server. */
  private async listed<T extends Signed>(role: string, meta: FileMeta | undefined): Promise<{envelope: Envelope<T>; cachedVersion?: number}> {
    if (!meta) throw new TrustError('missing', `${role} is not listed in the signed metadata`)
    const cachedRaw = await this.cache.read(role)
    const cachedVersion = cachedRaw ? versionOf(cachedRaw) : undefined
    if (cachedRaw && matches(cachedRaw, meta, role)) return {cachedVersion, envelope: parseEnvelope<T>(cachedRaw, role)}
    const hex = hexSha256(meta)
    // A length that is no number reads nothing: checkHashes then refuses the file as unlisted.
    const limit = typeof meta.length === 'number' && meta.length >= 0 ? Math.min(meta.length, metadataLimit) : 0
    const raw = (hex ? await this.server.fetch(`${role}.${hex}`, limit) : undefined) ?? (await this.server.fetch(role, limit))
    if (!raw) throw new TrustError('missing', `${this.server.host} has no ${role} for ${this.options.gun}`)
    checkHashes(raw, meta, role)
    return {cachedVersion, envelope: parseEnvelope<T>(raw, role)}
  }

  private async updateFrom(root: Envelope<RootSigned>): Promise<TrustedRepository> {
    const {now} = this.options
    const roots = root.signed.roles
    const timestamp = await this.timestamp(root)

    const snapshot = await this.listed<SnapshotSigned>('snapshot', timestamp.signed.meta?.snapshot)
    checkSignatures(snapshot.envelope, 'snapshot', root.signed.keys, roots.snapshot)
    checkFreshness(snapshot.envelope.signed, 'snapshot', now, snapshot.cachedVersion)
    const rootMeta = snapshot.envelope.signed.meta?.root
    if (rootMeta && !matches(root.raw, rootMeta, 'root')) throw new RootChanged()
    await this.cache.write('snapshot', snapshot.envelope.raw)

    const targets = await this.listed<TargetsSigned>('targets', snapshot.envelope.signed.meta?.targets)
    checkSignatures(targets.envelope, 'targets', root.signed.keys, roots.targets)
    checkFreshness(targets.envelope.signed, 'targets', now, targets.cachedVersion)
    await this.cache.write('targets', targets.envelope.raw)

    const releases = await this.releases(targets.envelope.signed, snapshot.envelope.signed)
    const top = targets.envelope.signed
    // notary checks the root's certificates on every update, and docker passes on its warning.
    for (const name of rootCertificatesNearExpiry(root.signed, this.options.gun, now)) this.options.warn(`certificate with CN ${name} is near expiry`)
    return {
      all: () => {
        const names = [...Object.keys(releases?.signed.targets ?? {}).filter((tag) => pathAllowed(releases?.role, tag)), ...Object.keys(top.targets ?? {})]
        return [...new Set(names)].map((tag) => this.resolve(tag, top, releases))
      },
      lookup: (tag) => this.resolve(tag, top, releases),
    }
  }

  private resolve(tag: string, top: TargetsSigned, releases: {signed: TargetsSigned; role: DelegationRole} | undefined): SignedTarget {
    if (releases && pathAllowed(releases.role, tag) && releases.signed.targets?.[tag]) return toSignedTarget(tag, releases.signed)
    if (top.targets?.[tag]) return toSignedTarget(tag, top)
    throw new TrustError('no-target', `No valid trust data for ${tag}`)
  }

  /** targets/releases, when delegated: a bad or expired delegation is a warning and is skipped, as docker does. */
  private async releases(top: TargetsSigned, snapshot: SnapshotSigned): Promise<{signed: TargetsSigned; role: DelegationRole} | undefined> {
    const roles: unknown = top.delegations?.roles
    const role = Array.isArray(roles) ? (roles as (DelegationRole | null)[]).find((r) => r?.name === releasesRole) ?? undefined : undefined
    if (!role || !snapshot.meta?.[releasesRole]) return undefined
    try {
      const {cachedVersion, envelope} = await this.listed<TargetsSigned>(releasesRole, snapshot.meta[releasesRole])
      checkSignatures(envelope, releasesRole, top.delegations!.keys, role)
      checkFreshness(envelope.signed, releasesRole, this.options.now, cachedVersion)
      await this.cache.write(releasesRole, envelope.raw)
      return {role, signed: envelope.signed}
    } catch (error) {
      if (!(error instanceof TrustError) || error.kind === 'network') throw error
      this.options.warn(`Error getting ${releasesRole}: ${error.message}`)
      return undefined
    }
  }
}

/** Signals that snapshot lists a root other than the trusted one: time to rotate. */
class RootChanged extends Error {}

function matches(raw: Buffer, meta: FileMeta, role: string): boolean {
  try {
    checkHashes(raw, meta, role)
    return true
  } catch {
    return false
  }
}

function versionOf(raw: Buffer): number | undefined {
  try {
    return (JSON.parse(raw.toString('utf8')) as {signed?: {version?: number}}).signed?.version
  } catch {
    return undefined
  }
}
