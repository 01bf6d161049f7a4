// A TUF repository (TUF 1.0 metadata as tuf-js reads it: one ed25519 key for every role, consistent
// snapshots) serving one target, trusted_root.json, over plain HTTP on loopback: the repository
// @sigstore/tuf is pointed at (DKR_SIGSTORE_TUF_URL) to prove dkr's public-good root path offline.
import {createHash, generateKeyPairSync, sign} from 'node:crypto'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {canonicalJson} from '../../src/lib/trust/canonical-json.js'

export class TufRepository {
  readonly dir = mkdtempSync(join(tmpdir(), 'dkr-tuf-'))
  private readonly files = new Map<string, Buffer>()
  /** The paths asked for, in order. */
  readonly requests: string[] = []
  private server?: Server
  url = ''

  /** Signs metadata for `trustedRoot` (its bytes); `root.json` in `dir` is the root clients start from. */
  constructor(trustedRoot: Buffer) {
    const pair = generateKeyPairSync('ed25519')
    const key = {keytype: 'ed25519', keyval: {public: Buffer.from(pair.publicKey.export({format: 'jwk'}).x!, 'base64url').toString('hex')}, scheme: 'ed25519'}
    const keyid = createHash('sha256').update(canonicalJson(key)).digest('hex')
    const expires = new Date(Date.now() + 7 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z')
    const common = {expires, spec_version: '1.0.31', version: 1}
    const role = {keyids: [keyid], threshold: 1}
    const signed = (value: object) => Buffer.from(JSON.stringify({signatures: [{keyid, sig: sign(null, Buffer.from(canonicalJson(value)), pair.privateKey).toString('hex')}], signed: value}))
    const targetHash = createHash('sha256').update(trustedRoot).digest('hex')
    const root = signed({_type: 'root', consistent_snapshot: true, keys: {[keyid]: key}, roles: {root: role, snapshot: role, targets: role, timestamp: role}, ...common})
    const targets = signed({_type: 'targets', targets: {'trusted_root.json': {hashes: {sha256: targetHash}, length: trustedRoot.length}}, ...common})
    const snapshot = signed({_type: 'snapshot', meta: {'targets.json': {version: 1}}, ...common})
    this.files.set('/1.root.json', root)
    this.files.set('/1.targets.json', targets)
    this.files.set('/1.snapshot.json', snapshot)
    this.files.set('/timestamp.json', signed({_type: 'timestamp', meta: {'snapshot.json': {version: 1}}, ...common}))
    this.files.set(`/targets/${targetHash}.trusted_root.json`, trustedRoot)
    writeFileSync(this.rootPath, root)
  }

  get rootPath(): string {
    return join(this.dir, 'root.json')
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://tuf').pathname
      this.requests.push(path)
      const file = this.files.get(path)
      if (file) response.writeHead(200).end(file)
      else response.writeHead(404).end()
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve())
  }
}
