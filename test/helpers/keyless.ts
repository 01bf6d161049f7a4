// Keyless signing on loopback for the end-to-end tests: a Fulcio-like CA (openssl, leaves with a
// critical email or URI SAN, codeSigning, Fulcio's OIDC issuer extensions v1 and v2, and if asked an SCT
// embedded by a CT log of the test's own), the project's small Rekor (scripts/rekor.mjs: one instance for
// the v1 API, another with its own key for the v2 API) and RFC 3161 authority (scripts/tsa.mjs, openssl
// ts), the TrustedRoot and signing config naming them, and the real cosign signing with
// `--certificate`/`--certificate-chain` in both formats. Two oracles: `cosign verify` and Debian sid's
// sigstore-go (`oci-image-verification`).
import assert from 'node:assert/strict'
import {spawn, type ChildProcess} from 'node:child_process'
import {createHash, createPublicKey, generateKeyPairSync, sign, X509Certificate, type KeyObject} from 'node:crypto'
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {EXTENSION_OID_SCT, X509Certificate as SigstoreCertificate} from '@sigstore/core'
import {TestRegistry, toolsEnv} from './notation.js'
import {issue, makeSelfSigned, type Issued} from './pki.js'
import {baseEnv, dkr, projectRoot, run} from './run.js'
import {imageExists, removeImages} from './stack.js'

export const actionsIssuer = 'https://token.actions.githubusercontent.com'
const validFrom = {start: '2020-01-01T00:00:00Z'}

/** A DER length (X.690 §8.1.3: short form below 128, else long form). */
function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.of(length)
  const bytes = Buffer.from(length.toString(16).padStart(length > 0xff ? 4 : 2, '0'), 'hex')
  return Buffer.concat([Buffer.of(0x80 | bytes.length), bytes])
}

/** A TLS opaque vector's big-endian length prefix of `size` bytes (RFC 5246 §4.3). */
function tlsLength(length: number, size: number): Buffer {
  const prefix = Buffer.alloc(size)
  prefix.writeUIntBE(length, 0, size)
  return prefix
}

/** A CT log of the test's own: an EC P-256 key whose log ID is the SHA-256 of its SPKI DER (RFC 6962 §3.2). */
export interface CtLog {
  key: KeyObject
  spki: Buffer
  id: Buffer
}

function newCtLog(): CtLog {
  const {privateKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'})
  const spki = createPublicKey(privateKey).export({format: 'der', type: 'spki'})
  return {id: createHash('sha256').update(spki).digest(), key: privateKey, spki}
}

/** A keyless verification case: dkr's verdict on `image` given cosign's `flags`, which both oracles must share. */
export interface KeylessCase {
  name: string
  image: string
  flags: () => string[]
  accepted: boolean
  /** What dkr's one-line refusal says. */
  reason?: RegExp
  /** dkr's own environment beside the flags (a preferences directory): the oracles get the flags alone. */
  env?: NodeJS.ProcessEnv
}

/**
 * dkr pulls each accepted case (`-q` prints exactly the reference) and refuses the others in one line
 * `<image>: not pulled: cosign: <reason>`, pulling nothing (on the default engine).
 */
export async function assertVerifiedPulls(cases: readonly KeylessCase[]): Promise<void> {
  for (const c of cases) {
    await removeImages(c.image)
    const result = await dkr(['pull', '-q', ...c.flags(), c.image], {env: baseEnv(c.env), timeoutMs: 120_000})
    if (c.accepted) {
      assert.deepEqual([result.code, result.stdout, result.stderr], [0, `${c.image}\n`, ''], c.name)
    } else {
      assert.deepEqual([result.code, result.stdout, result.stderr.split('\n').length], [1, '', 2], `${c.name}: ${result.stderr}`)
      assert.ok(result.stderr.startsWith(`${c.image}: not pulled: cosign: `), result.stderr)
      assert.match(result.stderr, c.reason!, c.name)
    }

    assert.equal(await imageExists(c.image), c.accepted, `${c.name}: ${c.accepted ? 'not pulled' : 'pulled'}`)
  }
}

export interface Leaf extends Issued {
  /** cosign's encrypted key file made from the leaf's key (cosign sign --key reads only its own format). */
  cosignKey: string
  /** The CA that issued it: the chain cosign sign is given. */
  issuerPath: string
}

export class KeylessSigning {
  readonly dir = mkdtempSync(join(tmpdir(), 'dkr-keyless-'))
  readonly ca = makeSelfSigned(this.dir, 'fulcio-root', '/O=dkr test/CN=dkr fulcio root', {keyType: 'ec-256'})
  readonly otherCa = makeSelfSigned(this.dir, 'other-root', '/O=dkr test/CN=untrusted root', {keyType: 'ec-256'})
  /** The CT log a root `withCtLog` lists, and a key no root lists. */
  readonly ctLog = newCtLog()
  readonly otherCtLog = newCtLog()
  private readonly servers: ChildProcess[] = []
  rekorUrl = ''
  rekorV2Url = ''
  tsaUrl = ''
  private tsa?: Issued

  /** Runs scripts/NAME.mjs with ARGS, PORT 0 and a port file (LABEL.port); its URL once it listens. */
  private async serve(name: string, args: string[], label = name): Promise<string> {
    const portFile = join(this.dir, `${label}.port`)
    this.servers.push(spawn(process.execPath, [join(projectRoot, 'scripts', `${name}.mjs`), ...args, '0', portFile], {stdio: 'ignore'}))
    for (let i = 0; i < 100 && !existsSync(portFile); i++) await sleep(50)
    if (!existsSync(portFile)) throw new Error(`scripts/${name}.mjs did not start`)
    return `http://127.0.0.1:${readFileSync(portFile, 'utf8')}`
  }

  /** Starts the Rekors (v1 and v2, each with its own key, as Sigstore's logs are) and the timestamp authority. */
  async start(): Promise<void> {
    for (const name of ['rekor', 'rekor-v2']) {
      const made = await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', join(this.dir, `${name}.key`)])
      if (made.code !== 0) throw new Error(`openssl genpkey: ${made.stderr}`)
    }

    this.rekorUrl = await this.serve('rekor', [join(this.dir, 'rekor.key')])
    this.rekorV2Url = await this.serve('rekor', [join(this.dir, 'rekor-v2.key')], 'rekor-v2')
    writeFileSync(this.rekorPublicKey, createPublicKey(readFileSync(join(this.dir, 'rekor.key'))).export({format: 'pem', type: 'spki'}))
    this.tsa = issue(this.dir, 'tsa', this.ca, '/O=dkr test/CN=dkr tsa', {extensions: 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping', keyType: 'ec-256', start: new Date()})
    this.tsaUrl = `${await this.serve('tsa', [this.dir, this.tsa.keyPath, this.tsa.certPath])}/api/v1/timestamp`
  }

  stop(): void {
    for (const server of this.servers) server.kill()
  }

  /** The Rekor's public key (PEM), for a policy's rekorPublicKeyPath. */
  get rekorPublicKey(): string {
    return join(this.dir, 'rekor.pub')
  }


  /**
   * A leaf for `san` (`email:…` or `URI:…`) and OIDC `issuer`, issued by `ca` (default: the trusted one),
   * valid from now (cosign sign checks the chain at the leaf's notBefore, and the CA starts at its making).
   * With `sctBy`, it embeds an SCT in the trusted CT log's name signed with that log's key: the trusted
   * one, or `otherCtLog` for a forgery.
   */
  async leaf(name: string, san: string, issuer: string, options: {ca?: Issued; start?: Date; end?: Date; sctBy?: CtLog} = {}): Promise<Leaf> {
    const extensions = [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=codeSigning',
      `subjectAltName=critical,${san}`,
      `1.3.6.1.4.1.57264.1.1=DER:${Buffer.from(issuer).toString('hex')}`,
      `1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:${issuer}`,
    ].join('\n')
    const ca = options.ca ?? this.ca
    const subject = '/O=dkr test signer'
    const issued = options.sctBy
      ? this.withEmbeddedSct(name, ca, subject, extensions, options.sctBy, {end: options.end ?? new Date(Date.now() + 7 * 86_400_000), start: options.start ?? new Date()})
      : issue(this.dir, name, ca, subject, {end: options.end, extensions, keyType: 'ec-256', start: options.start ?? new Date()})
    const prefix = join(this.dir, `${name}-cosign`)
    const imported = await run('cosign', ['import-key-pair', '--key', issued.keyPath, '--output-key-prefix', prefix, '-y'], {env: toolsEnv({COSIGN_PASSWORD: 'dkr-e2e'})})
    if (imported.code !== 0) throw new Error(`cosign import-key-pair: ${imported.stderr}`)
    return {...issued, cosignKey: `${prefix}.key`, issuerPath: ca.certPath}
  }

  /**
   * A leaf with an embedded SCT (RFC 6962 §3.2-3.3), issued twice by openssl with the same key, serial,
   * dates and extensions: first without the SCT list, whose TBSCertificate the SCT signs (as the
   * precertificate entry, with the SHA-256 of the issuer's SPKI), then with the list added (openssl puts
   * its own subject key identifier after it). The final leaf's TBSCertificate minus that extension is
   * then the one signed, which is what verifiers rebuild; checked here with sigstore-js's own parser.
   */
  private withEmbeddedSct(name: string, ca: Issued, subject: string, extensions: string, signer: CtLog, validity: {start: Date; end: Date}): Issued {
    const serial = (Date.now() * 1000 + Math.floor(Math.random() * 1000)).toString(16).padStart(16, '0')
    const first = issue(this.dir, `${name}-precert`, ca, subject, {...validity, extensions, keyType: 'ec-256', serial})
    const tbs = SigstoreCertificate.parse(Buffer.from(first.der)).tbsCertificate.toDER()
    const issuerKeyHash = createHash('sha256').update(new X509Certificate(ca.der).publicKey.export({format: 'der', type: 'spki'})).digest()
    const timestamp = Buffer.alloc(8)
    timestamp.writeBigUInt64BE(BigInt(Date.now()))
    const noExtensions = tlsLength(0, 2)
    // digitally-signed struct: sct_version v1, certificate_timestamp, timestamp, precert_entry, PreCert, extensions.
    const signed = Buffer.concat([Buffer.of(0, 0), timestamp, tlsLength(1, 2), issuerKeyHash, tlsLength(tbs.length, 3), tbs, noExtensions])
    const signature = sign('sha256', signed, signer.key)
    // SignedCertificateTimestamp: v1, the trusted log's ID, timestamp, extensions, sha256 (4) + ecdsa (3).
    const sct = Buffer.concat([Buffer.of(0), this.ctLog.id, timestamp, noExtensions, Buffer.of(4, 3), tlsLength(signature.length, 2), signature])
    const list = Buffer.concat([tlsLength(sct.length + 2, 2), tlsLength(sct.length, 2), sct])
    const octetString = Buffer.concat([Buffer.of(0x04), derLength(list.length), list])
    const issued = issue(this.dir, name, ca, subject, {...validity, extensions: `${extensions}\n${EXTENSION_OID_SCT}=DER:${octetString.toString('hex')}`, keyPath: first.keyPath, serial})
    const rebuilt = SigstoreCertificate.parse(Buffer.from(issued.der))
    rebuilt.extensions.splice(rebuilt.extensions.findIndex((extension) => extension.subs[0].toOID() === EXTENSION_OID_SCT), 1)
    if (!rebuilt.tbsCertificate.toDER().equals(tbs)) throw new Error(`${name}: the leaf's TBSCertificate without its SCT list is not the one the SCT signs`)
    return issued
  }

  /**
   * A TrustedRoot JSON: the trusted CA and both Rekors (with `withTsa` the timestamp authority, with
   * `withCtLog` the CT log `ctLog`), or what `options` leaves out. A v2 log is named as for v1
   * (sigstore-go and sigstore-js find it by logId = sha256 of its SPKI, which is also its checkpoint key
   * ID for an ECDSA key); its baseUrl's host is its checkpoints' origin, which sigstore-go requires.
   */
  trustedRoot(name: string, options: {withoutCa?: boolean; withoutLog?: boolean; withTsa?: boolean; withCtLog?: boolean} = {}): string {
    const tlog = (keyName: string, baseUrl: string) => {
      const key = createPublicKey(readFileSync(join(this.dir, `${keyName}.key`))).export({format: 'der', type: 'spki'})
      return {baseUrl, hashAlgorithm: 'SHA2_256', logId: {keyId: createHash('sha256').update(key).digest('base64')}, publicKey: {keyDetails: 'PKIX_ECDSA_P256_SHA_256', rawBytes: key.toString('base64'), validFor: validFrom}}
    }

    const root = {
      certificateAuthorities: options.withoutCa ? [] : [{certChain: {certificates: [{rawBytes: this.ca.der.toString('base64')}]}, subject: {commonName: 'dkr fulcio root', organization: 'dkr test'}, uri: 'http://127.0.0.1/fulcio', validFor: validFrom}],
      ctlogs: options.withCtLog ? [{baseUrl: 'http://127.0.0.1/ct', hashAlgorithm: 'SHA2_256', logId: {keyId: this.ctLog.id.toString('base64')}, publicKey: {keyDetails: 'PKIX_ECDSA_P256_SHA_256', rawBytes: this.ctLog.spki.toString('base64'), validFor: validFrom}}] : [],
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      timestampAuthorities: options.withTsa ? [{certChain: {certificates: [{rawBytes: this.tsa!.der.toString('base64')}, {rawBytes: this.ca.der.toString('base64')}]}, subject: {commonName: 'dkr tsa', organization: 'dkr test'}, uri: this.tsaUrl, validFor: validFrom}] : [],
      tlogs: options.withoutLog ? [] : [tlog('rekor', this.rekorUrl), tlog('rekor-v2', this.rekorV2Url)],
    }
    const path = join(this.dir, `${name}.json`)
    writeFileSync(path, JSON.stringify(root))
    return path
  }

  /**
   * cosign signs `image` (by digest) with `leaf`: a bundle through a signing config naming the Rekor (and
   * with `tsa` the timestamp authority), or a legacy .sig with the Rekor URL; without `log`, no entry.
   * `log: 'v2'` names the v2 Rekor (majorApiVersion 2), to which cosign posts a CreateEntryRequest and
   * whose entry has no integrated time. cosign insists on a timestamp authority beside a Rekor v2 only
   * when it fetches a Fulcio certificate (pkg/cosign/bundle/sign.go), not with --certificate; the cases
   * give it one, as nothing else could date such an entry.
   */
  async sign(image: string, leaf: Leaf, options: {format: 'bundle' | 'legacy'; log?: boolean | 'v2'; tsa?: boolean}): Promise<void> {
    const log = options.log ?? true
    const common = ['sign', '-y', '--key', leaf.cosignKey, '--certificate', leaf.certPath, '--certificate-chain', leaf.issuerPath, '--allow-insecure-registry']
    let args: string[]
    if (options.format === 'bundle') {
      const config = join(this.dir, `signing-config${log === 'v2' ? '-v2' : log ? '' : '-nolog'}${options.tsa ? '-tsa' : ''}.json`)
      const tsaUrls = options.tsa ? [{majorApiVersion: 1, operator: 'dkr', url: this.tsaUrl, validFor: validFrom}] : []
      const rekorTlogUrls = log ? [log === 'v2' ? {majorApiVersion: 2, operator: 'dkr', url: this.rekorV2Url, validFor: validFrom} : {majorApiVersion: 1, operator: 'dkr', url: this.rekorUrl, validFor: validFrom}] : []
      writeFileSync(config, JSON.stringify({caUrls: [], mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json', oidcUrls: [], rekorTlogConfig: {selector: 'ANY'}, rekorTlogUrls, tsaConfig: {selector: 'ANY'}, tsaUrls}))
      args = [...common, '--signing-config', config, image]
    } else {
      args = [...common, '--use-signing-config=false', '--new-bundle-format=false', ...(log ? ['--rekor-url', this.rekorUrl, '--tlog-upload=true'] : ['--tlog-upload=false']), image]
    }

    const signed = await run('cosign', args, {env: toolsEnv({COSIGN_PASSWORD: 'dkr-e2e'}), timeoutMs: 60_000})
    if (signed.code !== 0) throw new Error(`cosign sign ${image}: ${signed.stderr}`)
  }

  /** Each case's name and whether `oracle` accepts it, in order: to compare with the cases' own verdicts. */
  async verdicts(cases: readonly KeylessCase[], oracle: 'cosign' | 'sigstore-go'): Promise<[string, boolean][]> {
    const verdicts: [string, boolean][] = []
    for (const c of cases) verdicts.push([c.name, await (oracle === 'cosign' ? this.cosignAccepts(c.image, c.flags()) : this.sigstoreGoAccepts(c.image, c.flags()))])
    return verdicts
  }

  /** `cosign verify` with the same flags dkr is given: the oracle. */
  async cosignAccepts(image: string, flags: readonly string[]): Promise<boolean> {
    const result = await run('cosign', ['verify', '--allow-insecure-registry', ...flags, image], {env: toolsEnv(), timeoutMs: 60_000})
    return result.code === 0
  }

  /**
   * sigstore-go's `oci-image-verification` given what cosign's `flags` say: the second oracle. It takes a
   * bundle file and the digest its DSSE statement must name, so the image's bundle referrer is found as
   * cosign finds it (referrers API, else the `sha256-<hex>` tag) and handed over with the image's digest.
   * A legacy `.sig` signature is handed over as the v0.1 bundle the tool's own -ociImage builds from its
   * first layer (certificate, SET as the log entry's inclusion promise, signature over the payload), with
   * the payload as the artifact: -ociImage itself demands an RFC 3161 annotation cosign writes only with a
   * timestamp server, unless -requireTimestamp=false, with which the tool refuses to start. Neither way
   * does sigstore-go compare the payload's digest with the image's: dkr and cosign do. An image with
   * neither (or a legacy one without a certificate) goes through -ociImage, which finds nothing to check.
   */
  async sigstoreGoAccepts(image: string, flags: readonly string[]): Promise<boolean> {
    const own: Record<string, string[]> = {
      '--certificate-identity': ['-expectedSAN'],
      '--certificate-identity-regexp': ['-expectedSANRegex'],
      '--certificate-oidc-issuer': ['-expectedIssuer'],
      '--certificate-oidc-issuer-regexp': ['-expectedIssuerRegex'],
      '--trusted-root': ['-trustedrootJSONpath'],
    }
    // --key and --insecure-ignore-tlog have none (test/e2e/keyless.test.ts says why). --use-signed-timestamps
    // needs none for the cases that give it: the tool requires an observer timestamp (a signed timestamp or
    // an integrated time), and a Rekor v2 entry has no integrated time, so only the signed timestamp counts.
    const switches: Record<string, string[]> = {'--insecure-ignore-sct': ['-ignore-sct'], '--use-signed-timestamps': []}
    // Without --trusted-root, no root file (its default names a file of sigstore-go's source tree).
    const args = flags.includes('--trusted-root') ? [] : ['-trustedrootJSONpath=']
    for (let i = 0; i < flags.length; i++) {
      if (switches[flags[i]]) args.push(...switches[flags[i]])
      else if (own[flags[i]]) args.push(`${own[flags[i]][0]}=${flags[++i]}`)
      else throw new Error(`sigstore-go has no counterpart for ${flags[i]}`)
    }

    const registry = new TestRegistry(image.slice(0, image.indexOf('/')))
    const repository = image.slice(image.indexOf('/') + 1).replace(/[:@].*$/, '')
    const found = await registry.manifest(repository, image.includes('@') ? image.slice(image.indexOf('@') + 1) : image.slice(image.lastIndexOf(':') + 1))
    if (!found) throw new Error(`no manifest for ${image}`)
    const digest = found.descriptor.digest
    for (const referrer of await registry.referrers(repository, digest)) {
      const manifest = JSON.parse((await registry.manifest(repository, referrer.digest))!.bytes.toString()) as {layers?: {digest: string; mediaType: string}[]; subject?: {digest: string}}
      const layer = manifest.layers?.find((l) => l.mediaType === 'application/vnd.dev.sigstore.bundle.v0.3+json')
      if (manifest.subject?.digest !== digest || !layer) continue
      const bundle = join(this.dir, `bundle-${layer.digest.slice(7)}.json`)
      writeFileSync(bundle, await registry.blob(repository, layer.digest))
      const result = await run('oci-image-verification', [...args, `-artifact-digest=${digest.slice(7)}`, bundle], {env: toolsEnv(), timeoutMs: 60_000})
      return result.code === 0
    }

    const legacy = await registry.manifest(repository, `${digest.replace(':', '-')}.sig`)
    const [layer] = legacy ? (JSON.parse(legacy.bytes.toString()) as {layers: {annotations?: Record<string, string>; digest: string}[]}).layers : []
    const certificate = layer?.annotations?.['dev.sigstore.cosign/certificate']
    if (!layer || !certificate) {
      const result = await run('oci-image-verification', [...args, `-ociImage=${image}`], {env: toolsEnv(), timeoutMs: 60_000})
      return result.code === 0
    }

    const annotations = layer.annotations ?? {}
    const set = annotations['dev.sigstore.cosign/bundle'] ? JSON.parse(annotations['dev.sigstore.cosign/bundle']) as {SignedEntryTimestamp: string; Payload: {body: string; integratedTime: number; logIndex: number; logID: string}} : undefined
    const kind = set && JSON.parse(Buffer.from(set.Payload.body, 'base64').toString()) as {apiVersion: string; kind: string}
    const bundle = {
      mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
      messageSignature: {messageDigest: {algorithm: 'SHA2_256', digest: Buffer.from(layer.digest.slice(7), 'hex').toString('base64')}, signature: annotations['dev.cosignproject.cosign/signature']},
      verificationMaterial: {
        x509CertificateChain: {certificates: [{rawBytes: new X509Certificate(certificate).raw.toString('base64')}]},
        tlogEntries: set && kind ? [{canonicalizedBody: set.Payload.body, inclusionPromise: {signedEntryTimestamp: set.SignedEntryTimestamp}, integratedTime: String(set.Payload.integratedTime), kindVersion: {kind: kind.kind, version: kind.apiVersion}, logId: {keyId: Buffer.from(set.Payload.logID, 'hex').toString('base64')}, logIndex: String(set.Payload.logIndex)}] : [],
      },
    }
    const path = join(this.dir, `legacy-${layer.digest.slice(7)}`)
    writeFileSync(`${path}.json`, JSON.stringify(bundle))
    writeFileSync(`${path}.payload`, await registry.blob(repository, layer.digest))
    const result = await run('oci-image-verification', [...args, `-artifact=${path}.payload`, `${path}.json`], {env: toolsEnv(), timeoutMs: 60_000})
    return result.code === 0
  }
}
