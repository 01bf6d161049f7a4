// The real `notation` (Debian sid's, from the stack's DKR_TOOLS_PATH) with its configuration in a temp
// NOTATION_CONFIG, and a minimal plain-HTTP registry client for the stack's loopback registry: enough to
// read an image's descriptor and its Notary signatures (referrers API, else the referrers tag schema) the
// way the pull flow will, and to push the tampered artifacts the tests need. Test scaffolding only: the
// real registry client lives in src/lib/registry.
import {createHash} from 'node:crypto'
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {collectNotarySignatures} from '../../src/lib/notation/signature-manifest.js'
import type {NotarySignature, TargetDescriptor} from '../../src/lib/notation/verify.js'
import {baseEnv, run, type RunResult} from './run.js'
import {required} from './stack.js'

const manifestTypes = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ')

/** The tools the stack fetched (notation, crane), first on PATH. */
export function toolsEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return baseEnv({PATH: `${required('DKR_TOOLS_PATH')}${delimiter}${process.env.PATH ?? ''}`, ...extra})
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

/** notation with a configuration of its own. */
export class NotationHome {
  readonly dir = mkdtempSync(join(tmpdir(), 'dkr-notation-config-'))
  private readonly keys: {name: string; keyPath: string; certPath: string}[] = []

  async run(args: string[]): Promise<RunResult> {
    return run('notation', args, {env: toolsEnv({NOTATION_CONFIG: this.dir}), timeoutMs: 60_000})
  }

  /** A signing key notation reads from signingkeys.json: a PEM key and its chain (leaf first). */
  addKey(name: string, keyPath: string, chainPem: string): void {
    const certPath = join(this.dir, `${name}.chain.crt`)
    writeFileSync(certPath, chainPem)
    this.keys.push({certPath, keyPath, name})
    writeFileSync(join(this.dir, 'signingkeys.json'), JSON.stringify({keys: this.keys}))
  }

  trust(store: string, name: string, certPath: string): void {
    const dir = join(this.dir, 'truststore', 'x509', 'ca', store)
    mkdirSync(dir, {recursive: true})
    copyFileSync(certPath, join(dir, name))
  }

  /** The policy under both names: sid's notation build still reads only trustpolicy.json. */
  writePolicy(statements: Record<string, unknown>[]): void {
    const text = JSON.stringify({trustPolicies: statements, version: '1.0'}, null, 2)
    writeFileSync(join(this.dir, 'trustpolicy.oci.json'), text)
    writeFileSync(join(this.dir, 'trustpolicy.json'), text)
  }

  async sign(reference: string, key: string, format: 'cose' | 'jws' = 'jws'): Promise<void> {
    const result = await this.run(['sign', '--insecure-registry', '--key', key, '--signature-format', format, reference])
    if (result.code !== 0) throw new Error(`notation sign ${reference} failed: ${result.stderr}`)
  }

  async verify(reference: string): Promise<RunResult> {
    return this.run(['verify', '--insecure-registry', reference])
  }

  /** The cosign public key cosignSign signs with (made on first use, beside the notation configuration). */
  get cosignKey(): string {
    return join(this.dir, 'cosign.pub')
  }

  /** A cosign bundle signature (the referrers tag schema form) by a key made here. */
  async cosignSign(reference: string): Promise<void> {
    const env = toolsEnv({COSIGN_PASSWORD: 'dkr-e2e'})
    const prefix = join(this.dir, 'cosign')
    if (!existsSync(`${prefix}.key`)) {
      const made = await run('cosign', ['generate-key-pair', '--output-key-prefix', prefix], {env})
      if (made.code !== 0) throw new Error(`cosign generate-key-pair failed: ${made.stderr}`)
    }

    const signed = await run('cosign', ['sign', '--key', `${prefix}.key`, '--use-signing-config=false', '--tlog-upload=false', '-y', '--allow-insecure-registry', reference], {env, timeoutMs: 60_000})
    if (signed.code !== 0) throw new Error(`cosign sign ${reference} failed: ${signed.stderr}`)
  }
}

/** A plain-HTTP client for one loopback registry. */
export class TestRegistry {
  constructor(readonly host: string) {}

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`http://${this.host}/v2/${path}`, {...init, signal: AbortSignal.timeout(15_000)})
  }

  async manifest(repository: string, reference: string): Promise<{bytes: Buffer; descriptor: TargetDescriptor} | undefined> {
    const response = await this.request(`${repository}/manifests/${reference}`, {headers: {accept: manifestTypes}})
    if (response.status === 404) return undefined
    if (!response.ok) throw new Error(`GET manifest ${repository}:${reference}: ${response.status}`)
    const bytes = Buffer.from(await response.arrayBuffer())
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]
    return {bytes, descriptor: {digest: sha256(bytes), mediaType, size: bytes.length}}
  }

  async blob(repository: string, digest: string): Promise<Buffer> {
    const response = await this.request(`${repository}/blobs/${digest}`)
    if (!response.ok) throw new Error(`GET blob ${repository}@${digest}: ${response.status}`)
    return Buffer.from(await response.arrayBuffer())
  }

  async pushBlob(repository: string, bytes: Buffer): Promise<string> {
    const digest = sha256(bytes)
    const start = await this.request(`${repository}/blobs/uploads/`, {method: 'POST'})
    if (start.status !== 202) throw new Error(`blob upload to ${repository}: ${start.status}`)
    const location = new URL(start.headers.get('location') ?? '', `http://${this.host}`)
    location.searchParams.set('digest', digest)
    const done = await fetch(location, {body: new Uint8Array(bytes), headers: {'content-type': 'application/octet-stream'}, method: 'PUT', signal: AbortSignal.timeout(15_000)})
    if (done.status !== 201) throw new Error(`blob upload to ${repository}: ${done.status}`)
    return digest
  }

  /** Pushes `manifest` at `tag`, or by its digest. */
  async pushManifest(repository: string, tag: string | undefined, manifest: object, mediaType: string): Promise<TargetDescriptor> {
    const bytes = Buffer.from(JSON.stringify(manifest))
    const response = await this.request(`${repository}/manifests/${tag ?? sha256(bytes)}`, {body: new Uint8Array(bytes), headers: {'content-type': mediaType}, method: 'PUT'})
    if (response.status !== 201) throw new Error(`PUT manifest ${repository}:${tag}: ${response.status} ${await response.text()}`)
    return {digest: sha256(bytes), mediaType, size: bytes.length}
  }

  /** The referrers of `digest`: the referrers API when the registry has it, else the `sha256-<hex>` tag. */
  async referrers(repository: string, digest: string): Promise<{digest: string; mediaType: string; size: number; artifactType?: string}[]> {
    const api = await this.request(`${repository}/referrers/${digest}`, {headers: {accept: 'application/vnd.oci.image.index.v1+json'}})
    let index: {manifests?: {digest: string; mediaType: string; size: number; artifactType?: string}[]} | undefined
    if (api.ok && (api.headers.get('content-type') ?? '').startsWith('application/vnd.oci.image.index.v1+json')) index = await api.json() as typeof index
    else {
      const tagged = await this.manifest(repository, digest.replace(':', '-'))
      index = tagged && JSON.parse(tagged.bytes.toString('utf8'))
    }

    return index?.manifests ?? []
  }

  /** The image's Notary signatures, through the library's walk, as the pull flow will collect them. */
  async notarySignatures(repository: string, digest: string): Promise<NotarySignature[]> {
    return collectNotarySignatures({
      blob: async (blob) => this.blob(repository, blob),
      manifest: async (manifest) => (await this.manifest(repository, manifest))?.bytes ?? Buffer.alloc(0),
      referrers: async (subject) => this.referrers(repository, subject),
    }, digest)
  }

  /** Pushes a signature manifest (the OCI 1.0 form notation writes here) for `envelope`, listed as a referrer of `digest`. */
  async pushSignature(repository: string, digest: string, envelope: Buffer, mediaType: string, annotations?: Record<string, string>): Promise<void> {
    const layer = {digest: await this.pushBlob(repository, envelope), mediaType, size: envelope.length}
    const config = {digest: await this.pushBlob(repository, Buffer.from('{}')), mediaType: 'application/vnd.cncf.notary.signature', size: 2}
    const target = (await this.manifest(repository, digest))!.descriptor
    const manifest = {annotations, config, layers: [layer], mediaType: 'application/vnd.oci.image.manifest.v1+json', schemaVersion: 2, subject: target}
    const pushed = await this.pushManifest(repository, undefined, manifest, manifest.mediaType)
    await this.addReferrer(repository, digest, {...pushed, artifactType: 'application/vnd.cncf.notary.signature'})
  }

  /** The signature manifest of `signed`'s first referrer, pushed again with `other` as its subject: a payload for another digest. */
  async moveSignature(repository: string, signed: string, other: TargetDescriptor): Promise<void> {
    const [signature] = await this.referrers(repository, signed)
    const original = await this.manifest(repository, signature.digest)
    const manifest = {...JSON.parse(original!.bytes.toString('utf8')), subject: other}
    const pushed = await this.pushManifest(repository, undefined, manifest, 'application/vnd.oci.image.manifest.v1+json')
    await this.addReferrer(repository, other.digest, {...pushed, artifactType: 'application/vnd.cncf.notary.signature'})
  }

  /** Lists `manifest` as a referrer of `subject` in the referrers tag schema index. */
  async addReferrer(repository: string, subject: string, manifest: TargetDescriptor & {artifactType?: string}): Promise<void> {
    const tag = subject.replace(':', '-')
    const existing = await this.manifest(repository, tag)
    const manifests = existing ? (JSON.parse(existing.bytes.toString('utf8')) as {manifests: object[]}).manifests : []
    await this.pushManifest(repository, tag, {manifests: [...manifests, manifest], mediaType: 'application/vnd.oci.image.index.v1+json', schemaVersion: 2}, 'application/vnd.oci.image.index.v1+json')
  }
}

/** A JWS envelope with one character of its signature changed. */
export function corruptJws(envelope: Buffer): Buffer {
  const parsed = JSON.parse(envelope.toString('utf8')) as {signature: string}
  parsed.signature = `${parsed.signature.slice(0, 10)}${parsed.signature[10] === 'A' ? 'B' : 'A'}${parsed.signature.slice(11)}`
  return Buffer.from(JSON.stringify(parsed))
}

export async function crane(args: string[]): Promise<string> {
  const result = await run('crane', args, {env: toolsEnv(), timeoutMs: 60_000})
  if (result.code !== 0) throw new Error(`crane ${args.join(' ')} failed: ${result.stderr}`)
  return result.stdout.trim()
}
