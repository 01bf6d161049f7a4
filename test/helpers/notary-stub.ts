// A Notary server the tests control: TUF metadata for one repository, signed here with keys made here,
// then damaged on purpose (bad signatures, expiry, rollback, wrong names, wrong hashes) to prove that
// dkr refuses each kind of bad trust data. The real notary-server refuses to store such data.
import {execFileSync} from 'node:child_process'
import {constants, createHash, createPrivateKey, generateKeyPairSync, sign, type KeyObject} from 'node:crypto'
import {mkdtempSync, readFileSync} from 'node:fs'
import {createServer, type Server} from 'node:https'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {canonicalJson} from '../../src/lib/trust/canonical-json.js'
import {keyId, type TufKey} from '../../src/lib/trust/keys.js'

export interface SigningKey {
  key: TufKey
  id: string
  private: KeyObject
  method: 'ecdsa' | 'eddsa' | 'rsapss'
}

function ecdsaKey(): SigningKey {
  const pair = generateKeyPairSync('ec', {namedCurve: 'P-256'})
  const key = {keytype: 'ecdsa', keyval: {private: null, public: pair.publicKey.export({format: 'der', type: 'spki'}).toString('base64')}}
  return {id: keyId(key), key, method: 'ecdsa', private: pair.privateKey}
}

/** An RSA key as Notary writes it (SPKI DER), signing with RSA-PSS (SHA-256, salt length 32). */
export function rsaKey(): SigningKey {
  const pair = generateKeyPairSync('rsa', {modulusLength: 2048})
  const key = {keytype: 'rsa', keyval: {private: null, public: pair.publicKey.export({format: 'der', type: 'spki'}).toString('base64')}}
  return {id: keyId(key), key, method: 'rsapss', private: pair.privateKey}
}

function ed25519Key(): SigningKey {
  const pair = generateKeyPairSync('ed25519')
  const raw = Buffer.from(pair.publicKey.export({format: 'jwk'}).x!, 'base64url')
  const key = {keytype: 'ed25519', keyval: {private: null, public: raw.toString('base64')}}
  return {id: keyId(key), key, method: 'eddsa', private: pair.privateKey}
}

/** A root key as docker makes it: a self-signed P-256 leaf certificate (not a CA) whose CN is the repository name, valid `days`. */
function rootKey(commonName: string, days = 3650): SigningKey {
  const dir = mkdtempSync(join(tmpdir(), 'dkr-root-'))
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', String(days), '-subj', `/CN=${commonName.replaceAll('/', String.raw`\/`)}`, '-addext', 'basicConstraints=critical,CA:FALSE'], {stdio: 'ignore'})
  const key = {keytype: 'ecdsa-x509', keyval: {private: null, public: readFileSync(join(dir, 'cert.pem')).toString('base64')}}
  return {id: keyId(key), key, method: 'ecdsa', private: createPrivateKey(readFileSync(join(dir, 'key.pem')))}
}

function signWith(k: SigningKey, message: Buffer): Buffer {
  if (k.method === 'ecdsa') return sign('sha256', message, {dsaEncoding: 'ieee-p1363', key: k.private})
  if (k.method === 'rsapss') return sign('sha256', message, {key: k.private, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32})
  return sign(null, message, k.private)
}

function signEnvelope(signed: object, keys: SigningKey[]): Buffer {
  const message = Buffer.from(canonicalJson(signed))
  const signatures = keys.map((k) => ({
    keyid: k.id,
    method: k.method,
    sig: signWith(k, message).toString('base64'),
  }))
  return Buffer.from(JSON.stringify({signatures, signed}))
}

const meta = (raw: Buffer) => ({hashes: {sha256: createHash('sha256').update(raw).digest('base64'), sha512: createHash('sha512').update(raw).digest('base64')}, length: raw.length})
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString()

export interface RepoOptions {
  /** The CN in the root certificate (default: the repository name). */
  rootName?: string
  rootThreshold?: number
  timestampExpires?: string
  targetsExpires?: string
  targetsVersion?: number
  /** Damage targets.json after snapshot listed it (a hash mismatch). */
  tamperTargets?: boolean
  /** Flip a byte of the targets signature. */
  badTargetsSignature?: boolean
  /** Make snapshot list targets as shorter than it is. */
  understateTargetsLength?: boolean
  /** A root rotation: this root's version, also signed by the previous root's key. */
  rotation?: {version: number; previousRoot: SigningKey}
}

export interface RepositoryKeys {
  root: SigningKey
  targets: SigningKey
  snapshot: SigningKey
  timestamp: SigningKey
}

/** A repository's keys; the root certificate's CN is `rootName`, and it is valid `rootDays`. */
export function repositoryKeys(rootName: string, rootDays?: number): RepositoryKeys {
  return {root: rootKey(rootName, rootDays), snapshot: ed25519Key(), targets: ecdsaKey(), timestamp: ed25519Key()}
}

/** The files of a signed repository whose tag `1.0` points at `digest`. */
export function signedRepository(gun: string, digest: string, options: RepoOptions = {}, keys = repositoryKeys(options.rootName ?? gun)): Map<string, Buffer> {
  const {root, snapshot: snapshotKey, targets: targetsKey, timestamp: timestampKey} = keys
  const rootSigned = {
    _type: 'Root',
    consistent_snapshot: false,
    expires: inDays(3650),
    keys: Object.fromEntries([root, targetsKey, snapshotKey, timestampKey].map((k) => [k.id, k.key])),
    roles: {
      root: {keyids: [root.id], threshold: options.rootThreshold ?? 1},
      snapshot: {keyids: [snapshotKey.id], threshold: 1},
      targets: {keyids: [targetsKey.id], threshold: 1},
      timestamp: {keyids: [timestampKey.id], threshold: 1},
    },
    version: options.rotation?.version ?? 1,
  }
  const rootRaw = signEnvelope(rootSigned, options.rotation ? [root, options.rotation.previousRoot] : [root])
  const hash = Buffer.from(digest.replace('sha256:', ''), 'hex').toString('base64')
  const targetsSigned = {_type: 'Targets', delegations: {keys: {}, roles: []}, expires: options.targetsExpires ?? inDays(1000), targets: {'1.0': {hashes: {sha256: hash}, length: 950}}, version: options.targetsVersion ?? 2}
  let targetsRaw = signEnvelope(targetsSigned, [targetsKey])
  if (options.badTargetsSignature) {
    const doc = JSON.parse(targetsRaw.toString()) as {signatures: {sig: string}[]}
    const sig = Buffer.from(doc.signatures[0].sig, 'base64')
    sig[5] ^= 0xff
    doc.signatures[0].sig = sig.toString('base64')
    targetsRaw = Buffer.from(JSON.stringify(doc))
  }

  const targetsMeta = meta(targetsRaw)
  if (options.understateTargetsLength) targetsMeta.length -= 10
  const snapshotRaw = signEnvelope({_type: 'Snapshot', expires: inDays(1000), meta: {root: meta(rootRaw), targets: targetsMeta}, version: 2}, [snapshotKey])
  const timestampRaw = signEnvelope({_type: 'Timestamp', expires: options.timestampExpires ?? inDays(14), meta: {snapshot: meta(snapshotRaw)}, version: 2}, [timestampKey])
  if (options.tamperTargets) targetsRaw = Buffer.from(targetsRaw.toString().replace('"1.0"', '"1.1"'))
  return new Map([
    ['root', rootRaw],
    ['timestamp', timestampRaw],
    ['snapshot', snapshotRaw],
    ['targets', targetsRaw],
  ])
}

/** An HTTPS server answering `/v2/<gun>/_trust/tuf/<role>[.<hash>].json` from `files`, which tests may swap. */
export class NotaryStub {
  files = new Map<string, Buffer>()
  /** Hold every answer back this long (a slow server). */
  delayMs = 0
  readonly requests: string[] = []
  private readonly server: Server

  constructor(certDir: string) {
    this.server = createServer({cert: readFileSync(join(certDir, 'notary-cert.pem')), key: readFileSync(join(certDir, 'notary-key.pem'))}, (request, response) => {
      this.requests.push(request.url ?? '')
      if (this.tokenLogin && this.refuse(request.url ?? '', request.headers.authorization, response)) return
      const role = /\/_trust\/tuf\/(.+?)(?:\.[0-9a-f]{64})?\.json$/.exec(request.url ?? '')?.[1]
      const body = role === undefined ? undefined : this.files.get(role)
      setTimeout(() => {
        response.writeHead(body ? 200 : 404, {'Content-Type': 'application/json'})
        response.end(body ?? '{}')
      }, this.delayMs)
    })
  }

  /**
   * Token auth as Docker Hub's Notary has it: metadata only with a bearer token, which `/token` issues for
   * these basic credentials (and refuses anonymous callers).
   */
  tokenLogin: {username: string; password: string} | undefined

  private refuse(url: string, authorization: string | undefined, response: import('node:http').ServerResponse): boolean {
    const {password, username} = this.tokenLogin!
    if (url.startsWith('/token?')) {
      const ok = authorization === `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
      response.writeHead(ok ? 200 : 401, {'Content-Type': 'application/json'}).end(ok ? '{"token":"stub-token"}' : '{"errors":[{"code":"UNAUTHORIZED","message":"login required"}]}')
      return true
    }

    if (authorization === 'Bearer stub-token') return false
    response.writeHead(401, {'WWW-Authenticate': `Bearer realm="${this.url}/token",service="notary-stub"`}).end()
    return true
  }

  get url(): string {
    const address = this.server.address() as {port: number}
    return `https://127.0.0.1:${address.port}`
  }

  start(): Promise<void> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve))
  }

  stop(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}
