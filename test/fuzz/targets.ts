// One fuzz target per parser or decoder dkr wrote by hand: a structure-aware generator seeded from the
// project's real fixtures, the entry point dkr really calls, and the errors that entry point may throw
// (dkr's own). test/fuzz/run.ts holds every target to the same properties: nothing else escapes, each
// input ends within a second, memory stays under the target's bound. Round-trips are checked inside.
import assert from 'node:assert/strict'
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import fc from 'fast-check'
import {fileAuth, helperFor} from '../../src/lib/credentials/auth-config.js'
import {loadConfig} from '../../src/lib/credentials/config-file.js'
import {HelperError, parseGetAnswer} from '../../src/lib/credentials/helper-protocol.js'
import {keptImageOf} from '../../src/lib/engine/client.js'
import {DkrError} from '../../src/lib/errors.js'
import {formatDuration, parseDuration} from '../../src/lib/io/duration.js'
import {renderTemplate} from '../../src/lib/io/go-template.js'
import {decodeCbor} from '../../src/lib/notation/cbor.js'
import {verifyCose} from '../../src/lib/notation/cose.js'
import {parseCertificateFile} from '../../src/lib/notation/certificate.js'
import {derChildren, derInteger, derOid, readDer, type DerNode} from '../../src/lib/notation/der.js'
import {EnvelopeError} from '../../src/lib/notation/envelope.js'
import {verifyJws} from '../../src/lib/notation/jws.js'
import {readSignatureManifest} from '../../src/lib/notation/signature-manifest.js'
import {applicablePolicy, parseTrustPolicy} from '../../src/lib/notation/trust-policy.js'
import {readMessages, StreamFormatError, type JsonMessage} from '../../src/lib/progress/json-message.js'
import {PlainRenderer} from '../../src/lib/progress/plain-renderer.js'
import {Tally} from '../../src/lib/progress/tally.js'
import {applyMessage, newView, takeFrame} from '../../src/lib/progress/tty-view.js'
import {familiarString, referenceString} from '../../src/lib/reference/format.js'
import {parseNormalizedNamed, parseReference} from '../../src/lib/reference/parse.js'
import {RegistryError, type HttpResponse} from '../../src/lib/registry/http.js'
import {parseChallenge, TokenAuth} from '../../src/lib/registry/token-auth.js'
import {parsePolicy} from '../../src/lib/signature/policy.js'
import {toTrustMaterial} from '@sigstore/verify'
import {indexPlatforms, pickPlatform, platformList} from '../../src/lib/pull/platforms.js'
import type {ManifestDocument} from '../../src/lib/registry/client.js'
import {isQuotaRefusal, limitText, rateLimitOf} from '../../src/lib/registry/ratelimit.js'
import type {Candidate} from '../../src/lib/signature/cosign.js'
import {trustFromFile} from '../../src/lib/signature/cosign-flags.js'
import {checkPki, pemCertificates} from '../../src/lib/signature/pki.js'
import {compileRegexp, legacyBundle, verifySigstore, type SigstoreRules} from '../../src/lib/signature/sigstore.js'
import {parseTrustedRoot} from '../../src/lib/signature/trusted-root.js'
import {canonicalJson} from '../../src/lib/trust/canonical-json.js'
import {TrustError} from '../../src/lib/trust/errors.js'
import {checkFreshness, checkHashes, checkSignatures, parseEnvelope, rootCertificatesNearExpiry, trustNewRoot, type RootSigned, type Signed} from '../../src/lib/trust/metadata.js'
import {encodeCbor, signCose, signJws, type Cbor} from '../helpers/notation-envelope.js'
import {codeSigningLeaf, issue, makeSelfSigned} from '../helpers/pki.js'
import {jsonText, mutatedBytes, mutatedJson, mutatedJsonText, mutatedJsonValue, mutatedString} from './mutate.js'

type ErrorClass = abstract new (...args: never[]) => Error

export interface FuzzTarget<T = unknown> {
  name: string
  /** The code under test, for the report. */
  module: string
  /**
   * The most the heap may grow over a run of this target (bench/fuzz.ts samples it every 256 inputs after
   * a collection, so a leak shows); `memoryReason` says why one input stays small whatever it holds.
   */
  memoryBoundMiB: number
  memoryReason: string
  input: fc.Arbitrary<T>
  /** The errors this entry point may throw: dkr's own, each a line for the user. */
  expected: readonly ErrorClass[]
  /**
   * A decoder whose caller turns any Error it throws into its own (DER, CBOR, distinguished names): a
   * plain `Error` is expected, a TypeError or RangeError still is not.
   */
  plainErrorsExpected?: boolean
  run(input: T): void | Promise<void>
  /** Inputs the CI smoke runs (the smoke's 60 s are shared by every target). */
  smokeRuns: number
}

/** A target of any input type, for the list (each is checked against its own type here). */
const target = <T>(definition: FuzzTarget<T>) => definition as unknown as FuzzTarget<never>

const fixtures = join(import.meta.dirname, '..', 'fixtures')
/** One scratch directory for the targets that need files (policies, config.json, certificates), gone at exit. */
const scratch = mkdtempSync(join(tmpdir(), 'dkr-fuzz-'))
process.on('exit', () => rmSync(scratch, {force: true, recursive: true}))
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'))
const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '')

// ---- image names -------------------------------------------------------------------------------
const hex64 = 'a'.repeat(32) + '0123456789abcdef'.repeat(2)
const nameSeeds = ['nginx', 'nginx:1.25', 'library/nginx', 'docker.io/library/nginx:latest', 'index.docker.io/nginx', 'localhost:5000/app:1', '[::1]:5000/a/b@sha256:' + hex64, `ghcr.io/o/r:t@sha256:${hex64}`, 'a/b/c/d_e__f-g.h', 'Foo/bar', hex64, `x@sha512:${'b'.repeat(128)}`, `x@sha384:${'c'.repeat(96)}`]
const namePieces = ['/', ':', '@', 'sha256:', 'sha512:', '.', '-', '_', '__', '---', 'localhost', 'docker.io', 'index.docker.io', 'library/', '[::1]', '[', ']', 'A', 'Z', '5000', hex64, 'a'.repeat(128), 'a'.repeat(256), ' ', '\n', 'é']

function checkNameRoundTrip(input: string): void {
  let normalised
  try {
    normalised = parseNormalizedNamed(input)
  } catch (error) {
    if (!(error instanceof DkrError)) throw error
  }

  if (normalised) {
    assert.deepEqual(parseNormalizedNamed(referenceString(normalised)), normalised, 'parse∘referenceString is the identity')
    // docker's FamiliarName strips `docker.io/` even when the path's first component then reads as a
    // registry (`docker.io/a.b/c` → `a.b/c`): its familiar form round-trips only when it does not.
    const familiar = familiarString(normalised)
    if (!/^(?:[^/]*[.:][^/]*|localhost)\//.test(familiar) || normalised.domain !== 'docker.io') {
      assert.deepEqual(parseNormalizedNamed(familiar), normalised, 'parse∘familiarString is the identity')
    }
  }

  const plain = parseReference(input)
  assert.deepEqual(parseReference(referenceString(plain)), plain, 'parseReference∘referenceString is the identity')
}

// ---- jsonmessage streams -------------------------------------------------------------------------
const streamFixtures = readdirSync(fixtures).filter((name) => name.endsWith('.jsonl'))
const streamLines = streamFixtures.flatMap((name) => lines(readFileSync(join(fixtures, name), 'utf8')))
const streamMessages = [...new Set(streamLines)].map((line) => JSON.parse(line) as unknown)

/** A stream as the engine might send it: real messages, some broken, cut into chunks anywhere. */
const engineStream = fc
  .tuple(fc.array(fc.oneof({weight: 8, arbitrary: mutatedJson(streamMessages).map(jsonText)}, {weight: 1, arbitrary: fc.string({maxLength: 40, unit: 'binary'})}), {maxLength: 40, minLength: 1}), fc.array(fc.nat(), {maxLength: 8}), fc.boolean())
  .map(([messages, cuts, latin1]) => {
    const bytes = Buffer.from(messages.join('\n'), latin1 ? 'latin1' : 'utf8')
    const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b)
    return [0, ...points].map((start, i) => bytes.subarray(start, points[i] ?? bytes.length)).filter((chunk) => chunk.length > 0)
  })

async function* chunksOf(chunks: Buffer[]): AsyncGenerator<Buffer> {
  yield* chunks
}

async function renderStream(input: {chunks: Buffer[]; columns: number; rows: number}): Promise<void> {
  const tally = new Tally()
  const plain = new PlainRenderer({progressIntervalMs: 0})
  let view = newView([undefined], 0)
  let now = 0
  for await (const message of readMessages(chunksOf(input.chunks))) {
    now += 100
    tally.add(message)
    plain.push(message, now)
    view = applyMessage(view, 0, message as JsonMessage)
    ;[, view] = takeFrame(view, {columns: input.columns, rows: input.rows}, now, tally.summary())
  }
}

// ---- notation: DER, CBOR, COSE, JWS --------------------------------------------------------------
const certificateSeeds = ['fulcio_v1.crt.pem', 'pki_intermediate_crts.pem'].flatMap((name) => parseCertificateFile(readFileSync(join(fixtures, 'fuzz', name))).map((certificate) => certificate.der))

/** A signed JWS and COSE envelope of each key family, made once (openssl makes the certificates). */
function signedEnvelopes(): {cose: Buffer[]; jws: Buffer[]; certificates: Buffer[]; options: Parameters<typeof signJws>[0]} {
  const dir = join(scratch, 'pki')
  const ca = makeSelfSigned(dir, 'ca', '/C=US/ST=WA/O=Fuzz/CN=Fuzz CA', {keyType: 'ec-256'})
  const leaf = issue(dir, 'leaf', ca, '/C=US/ST=WA/O=Fuzz/CN=Fuzz Signer', {extensions: codeSigningLeaf, keyType: 'ec-256'})
  const options = {algorithm: 'ES256' as const, chain: [leaf.der, ca.der], keyPem: leaf.keyPem, target: {digest: `sha256:${hex64}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 7}}
  return {certificates: [leaf.der, ca.der], cose: [signCose(options)], jws: [signJws(options)], options}
}

let envelopes: ReturnType<typeof signedEnvelopes> | undefined
const signed = () => (envelopes ??= signedEnvelopes())

/** Walks every node the way certificate.ts does, reading OIDs and integers where the tags say so. */
function walkDer(node: DerNode, budget: {nodes: number}): void {
  if (--budget.nodes < 0) return
  if (node.tag === 0x06) derOid(node)
  if (node.tag === 0x02 && node.value.length <= 6) derInteger(node)
  if (node.tag & 0x20) for (const child of derChildren(node)) walkDer(child, budget)
}

/** CBOR trees of the kinds COSE holds, encoded; the decoder must give them back. */
const cborTree: fc.Arbitrary<Cbor> = fc.letrec<{tree: Cbor}>((tie) => ({
  tree: fc.oneof(
    {depthSize: 'small', withCrossShrink: true},
    fc.integer({max: 2 ** 32 - 1, min: -(2 ** 32)}),
    fc.string({maxLength: 16}),
    fc.uint8Array({maxLength: 16}).map((array) => Buffer.from(array)),
    fc.array(tie('tree'), {maxLength: 4}),
    fc.uniqueArray(fc.tuple(fc.oneof(fc.nat({max: 40}), fc.string({maxLength: 8})), tie('tree')), {maxLength: 4, selector: ([key]) => key}).map((entries) => new Map<number | string, Cbor>(entries)),
    fc.record({tag: fc.nat({max: 40}), value: tie('tree')}),
  ),
})).tree

/** A COSE seed decoded, one of its parts swapped for another CBOR value, and encoded again. */
function mutatedCose(): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc.constant(undefined).chain(() => mutatedBytes(signed().cose)),
    fc.tuple(fc.nat({max: 3}), fc.option(fc.nat({max: 8})), cborTree).map(([part, header, replacement]) => {
      const parts = [...(decodeCbor(signed().cose[0]) as {value: Cbor[]}).value]
      if (part === 0 && header !== null) {
        const headers = decodeCbor(parts[0] as Buffer) as Map<number | string, Cbor>
        const keys = [...headers.keys()]
        headers.set(keys[header % keys.length], replacement)
        parts[0] = encodeCbor(headers)
      } else parts[part] = replacement
      return encodeCbor({tag: 18, value: parts})
    }),
    // Signed again after the change, as an attacker with a key of their own would: past the signature check.
    fc.tuple(fc.constantFrom<number | string>(1, 2, 3, 'io.cncf.notary.signingScheme', 'io.cncf.notary.signingTime', 'io.cncf.notary.expiry', 'io.cncf.notary.authenticSigningTime', 'x'), cborTree).map(([header, value]) => signCose({...signed().options, headers: new Map([[header, value]])})),
  )
}

/** A JWS seed with its fields, or the fields of its protected header, replaced. */
function mutatedJws(): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc.constant(undefined).chain(() => mutatedJsonText(signed().jws.map((bytes) => JSON.parse(bytes.toString())))).map((text) => Buffer.from(text)),
    fc.constant(undefined).chain(() => {
      const envelope = JSON.parse(signed().jws[0].toString()) as Record<string, unknown>
      const headers = JSON.parse(Buffer.from(envelope.protected as string, 'base64url').toString()) as unknown
      return mutatedJson([headers]).map((changed) => Buffer.from(JSON.stringify({...envelope, protected: Buffer.from(jsonText(changed)).toString('base64url')})))
    }),
    // Signed again after the change, as an attacker with a key of their own would: past the signature check.
    fc.constant(undefined).chain(() => {
      const headers = JSON.parse(Buffer.from((JSON.parse(signed().jws[0].toString()) as {protected: string}).protected, 'base64url').toString()) as unknown
      return mutatedJson([headers]).map((changed) => signJws({...signed().options, protectedJson: jsonText(changed)}))
    }),
  )
}

// ---- content trust ------------------------------------------------------------------------------
const notaryRoles = ['root', 'timestamp', 'snapshot', 'targets', 'targets/releases'] as const
const notaryFiles = readdirSync(join(fixtures, 'notary')).map((name) => readFileSync(join(fixtures, 'notary', name)))
const notarySeeds = notaryFiles.map((raw) => JSON.parse(raw.toString()) as unknown)
const trustedRoot = parseEnvelope<RootSigned>(readFileSync(join(fixtures, 'notary', 'root.json')), 'root')
const notaryGun = 'localhost:5000/signed/app'
const notaryTime = new Date('2026-11-23T17:20:00Z')

/** Runs each check on its own, so that one refusing does not hide the next from the fuzzer. */
function eachStep(steps: (() => void)[]): void {
  for (const step of steps) {
    try {
      step()
    } catch (error) {
      if (!(error instanceof TrustError)) throw error
    }
  }
}

// ---- policies -----------------------------------------------------------------------------------
const policyPath = join(scratch, 'policy.json')
const policySeeds = [
  readJson(join(fixtures, 'fuzz', 'containers-image-policy.json')),
  {default: [{type: 'insecureAcceptAnything'}], transports: {docker: {'localhost:5000/signed': [{keyData: Buffer.from('not a key').toString('base64'), type: 'sigstoreSigned'}], 'localhost:5000': [{type: 'reject'}]}}},
  {default: [{type: 'reject'}], transports: {docker: {'': [{type: 'insecureAcceptAnything'}]}}},
  // The fulcio and pki requirements, their certificates inline (containers/image's vectors).
  {default: [{fulcio: {caData: readFileSync(join(fixtures, 'sigstore', 'containers-image', 'fulcio_v1.crt.pem')).toString('base64'), oidcIssuer: 'https://github.com/login/oauth', subjectEmail: 'mitr@redhat.com'}, rekorPublicKeyData: readFileSync(join(fixtures, 'sigstore', 'containers-image', 'rekor.pub')).toString('base64'), signedIdentity: {type: 'matchRepository'}, type: 'sigstoreSigned'}]},
  {default: [{pki: {caIntermediatesData: readFileSync(join(fixtures, 'sigstore', 'containers-image', 'pki_intermediate_crts.pem')).toString('base64'), caRootsData: readFileSync(join(fixtures, 'sigstore', 'containers-image', 'pki_root_crts.pem')).toString('base64'), subjectEmail: 'qiwan@redhat.com'}, signedIdentity: {type: 'matchRepository'}, type: 'sigstoreSigned'}]},
]
const policyNames = ['nginx', 'localhost:5000/signed/app:1', `example.com/playground/busybox@sha256:${hex64}`, '[::1]:5000/x'].map(parseNormalizedNamed)

const notationStatement = {name: 'acme', registryScopes: ['registry.example/team/app', '*'], signatureVerification: {level: 'strict', override: {revocation: 'skip'}}, trustStores: ['ca:acme', 'signingAuthority:sa'], trustedIdentities: ['x509.subject: C=US, ST=WA, O=Acme\\, Inc., CN=a\\+b', '*']}
const notationSeeds = [{trustPolicies: [notationStatement, {...notationStatement, name: 'open', registryScopes: ['*'], signatureVerification: {level: 'skip'}, trustStores: [], trustedIdentities: []}], version: '1.0'}]

// ---- registry auth, credentials, templates, durations -------------------------------------------
const challengeSeeds = ['Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"', 'Basic realm="Registry Realm"', 'Bearer realm="http://127.0.0.1:5001/token",service=registry,error="invalid_token"', 'bearer realm=https://x/t', 'Bearer realm="a\\"b\\\\c"']
const challengePieces = ['Bearer', 'Basic', ' ', ',', '=', '"', '\\', 'realm', 'service', 'scope', 'error', 'http://127.0.0.1:1/', 'https://', 'file:///etc/passwd', '\t', '\n', 'a'.repeat(1000)]
const tokenBodies = [{token: 'abc'}, {access_token: 'abc', expires_in: 300}, {errors: [{code: 'DENIED', message: 'no'}]}, {token: '', access_token: 'x'}]

const helperSeeds = [{ServerURL: 'https://index.docker.io/v1/', Secret: 's3cret', Username: 'u'}, {Secret: 'token', Username: '<token>'}]
const configSeeds = [
  {auths: {'https://index.docker.io/v1/': {auth: Buffer.from('user:pass').toString('base64')}, 'localhost:5000': {identitytoken: 'tok'}, 'ghcr.io': {password: 'p', username: 'u'}}, credHelpers: {'gcr.io': 'gcloud'}, credsStore: 'desktop', currentContext: 'default', psFormat: '{{.ID}}'},
  {auths: {'127.0.0.1:5000': {auth: Buffer.from('a:b\0\0').toString('base64'), email: 'e@x'}}},
]
const configKeys = ['https://index.docker.io/v1/', 'localhost:5000', 'ghcr.io', '127.0.0.1:5000', 'http://localhost:5000/v2/', 'toString', '__proto__']
const configDir = scratch

const versionSeed = {Client: {ApiVersion: '1.47', Arch: 'amd64', Os: 'linux', Version: '0.1.0'}, Server: {ApiVersion: '1.47', Components: [{Name: 'Engine', Version: '28.5.1'}], Version: '28.5.1'}}
const templateSeeds = ['{{.Client.Version}}', '{{json .}}', '{{json .Server}}', '{{.Server.Components}}', 'v={{ .client.version }} {{.Server.Os}}', '{{.}}', '{{if .X}}', '{{range .}}{{end}}']
const templatePieces = ['{{', '}}', '.', 'json ', 'Client', 'Server', 'Version', 'Components', '0', 'constructor', '__proto__', 'toString', 'length', '{{.', ' ']

const durationSeeds = ['2s', '500ms', '1m30s', '1h', '0', '1.5s', '10m', '0.001ms']
const durationPieces = ['0', '1', '9', '.', '5', 'ms', 's', 'm', 'h', 'us', 'µs', 'ns', '-', '+', ' ', '9'.repeat(400), '1e9']


// ---- platforms, rate limits -----------------------------------------------------------------------
const indexSeed = {
  manifests: [
    {digest: `sha256:${hex64}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', platform: {architecture: 'amd64', os: 'linux'}, size: 1},
    {digest: `sha256:${'b'.repeat(64)}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', platform: {architecture: 'arm', os: 'linux', variant: 'v7'}, size: 1},
    {annotations: {'vnd.docker.reference.type': 'attestation-manifest'}, digest: `sha256:${'c'.repeat(64)}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', platform: {architecture: 'unknown', os: 'unknown'}, size: 1},
  ],
  mediaType: 'application/vnd.oci.image.index.v1+json',
  schemaVersion: 2,
}
const platformSeeds = ['linux/amd64', 'linux/arm/v7', 'linux/arm64,linux/amd64', 'windows/amd64', ' linux/amd64 , ,linux/arm ']
const platformPieces = ['linux', 'amd64', 'arm', 'v7', '/', ',', ' ', 'unknown', '']
/**
 * Docker Engine 28.5's image record of a three-platform index with one platform pulled (GET
 * /images/…/json?manifests=1 on the stack, December 2026), trimmed to what dkr reads; and a graph
 * driver's record, which lists no manifests.
 */
const engineImageRecords = [
  {
    Descriptor: {digest: `sha256:${'5'.repeat(64)}`, mediaType: 'application/vnd.oci.image.index.v1+json', size: 736},
    Id: `sha256:${'5'.repeat(64)}`,
    Manifests: [
      {Available: true, Descriptor: {digest: `sha256:${'a'.repeat(64)}`, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', platform: {architecture: 'amd64', os: 'linux'}, size: 739}, ID: `sha256:${'a'.repeat(64)}`, Kind: 'image'},
      {Available: false, Descriptor: {digest: `sha256:${'b'.repeat(64)}`, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', platform: {architecture: 'arm64', os: 'linux'}, size: 756}, ID: `sha256:${'b'.repeat(64)}`, Kind: 'image'},
      {Available: false, Descriptor: {digest: `sha256:${'c'.repeat(64)}`, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', platform: {architecture: 'arm', os: 'linux', variant: 'v7'}, size: 592}, ID: `sha256:${'c'.repeat(64)}`, Kind: 'image'},
    ],
    RepoDigests: [`127.0.0.1:5000/demo/platforms@sha256:${'5'.repeat(64)}`],
  },
  {Architecture: 'amd64', Id: `sha256:${'d'.repeat(64)}`, Os: 'linux', RepoDigests: [`127.0.0.1:5000/demo/app@sha256:${'e'.repeat(64)}`]},
]
const quotaSeeds = ['100;w=21600', '100, 100;w=21600', '20;w=21600', '0;w=60', '192.0.2.7', '5000;w=86400']
const quotaPieces = ['0', '9', ';', ',', 'w', '=', ' ', '\t', '9'.repeat(400), '-', '1e9', 'w=', ';w=']
const quotaMessages = ['toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit', 'Error response from daemon: toomanyrequests: Too Many Requests (HAP429).']

// ---- sigstore: trusted roots, cosign regexps, legacy signatures and bundles ------------------------
const sigstoreFixtures = join(fixtures, 'sigstore')
const conformance = join(sigstoreFixtures, 'conformance', 'bundle-verify')
const trustedRootTexts = [join(sigstoreFixtures, 'public-good', 'trusted_root.json'), ...readdirSync(conformance).map((dir) => join(conformance, dir, 'trusted_root.json'))].flatMap((path) => {
  try {
    return [readFileSync(path, 'utf8')]
  } catch {
    return []
  }
})
const trustedRootPath = join(scratch, 'trusted_root.json')
const trustedRootSeeds = trustedRootTexts.map((text) => JSON.parse(text) as unknown)
const bundleSeeds = [...readdirSync(conformance).map((dir) => join(conformance, dir, 'bundle.sigstore.json')), join(sigstoreFixtures, 'sigstore-rs', 'bundle_v03.json')].flatMap((path) => {
  try {
    return [JSON.parse(readFileSync(path, 'utf8')) as unknown]
  } catch {
    return []
  }
})
const regexpSeeds = ['^https://github.com/sigstore/.*$', '(?i)^.*@redhat\\.com$', '(?im)a.b', '.*', '[a-z]+\\d{2,}', '(?U)x*']
const regexpPieces = ['(', ')', '(?', '(?i)', '(?=', '(?<', '\\', '\\1', '\\k<', '[', ']', '{', '}', '*', '+', '?', '|', '^', '$', '\\p{L}', '\\u{10FFFF}', 'U', 's', 'm']
const containersImage = join(sigstoreFixtures, 'containers-image')
/** The legacy (`.sig`) signatures of containers/image's vectors: `\0sigstore-json\n` then {payload, annotations}. */
const legacySeeds = ['dir-img-cosign-fulcio-rekor-valid', 'dir-img-cosign-key-rekor-valid', 'dir-img-cosign-pki-valid'].map((image) => {
  const bytes = readFileSync(join(containersImage, image, 'signature-1'))
  const document = JSON.parse(bytes.subarray('\0sigstore-json\n'.length).toString()) as {payload: string; annotations: Record<string, string>}
  return {annotations: document.annotations, payload: document.payload}
})
const sigstoreDigest = `sha256:${hex64}`
const publicGood = toTrustMaterial(parseTrustedRoot(trustedRootTexts[0]))
const keylessRules: SigstoreRules = {identity: {issuer: {regexp: /.*/u}, san: {regexp: /.*/u}}, requireSct: false, requireTlog: true, trust: publicGood}
const pkiTrust = {intermediates: pemCertificates(readFileSync(join(containersImage, 'pki_intermediate_crts.pem'), 'utf8')), roots: pemCertificates(readFileSync(join(containersImage, 'pki_root_crts.pem'), 'utf8'))}
/** A signature as a registry might serve it: a legacy one with its annotations mutated, or a bundle's bytes. */
const signatureCandidate: fc.Arbitrary<Candidate> = fc.oneof(
  mutatedJsonValue(legacySeeds).map((value): Candidate => {
    const {annotations, payload} = (value ?? {}) as {annotations?: unknown; payload?: unknown}
    const strings = Object.fromEntries(Object.entries(annotations !== null && typeof annotations === 'object' ? annotations : {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
    return {annotations: strings, format: 'simplesigning', payload: Buffer.from(typeof payload === 'string' ? payload : '', 'base64'), signature: strings['dev.cosignproject.cosign/signature'] ?? ''}
  }),
  mutatedJsonText(bundleSeeds).map((text): Candidate => ({bundle: Buffer.from(text), format: 'bundle'})),
)

export const targets: FuzzTarget<never>[] = [
  target({
    expected: [DkrError],
    input: mutatedString(nameSeeds, namePieces),
    memoryBoundMiB: 32,
    memoryReason: 'anchored regular expressions with no nested quantifiers over the name: linear in its length',
    module: 'src/lib/reference (parse, format)',
    name: 'image-name',
    run: checkNameRoundTrip,
    smokeRuns: 6_000,
  }),
  target({
    expected: [StreamFormatError],
    input: fc.record({chunks: engineStream, columns: fc.oneof(fc.constantFrom(0, 1, 80, 120, 200), fc.nat({max: 400})), rows: fc.oneof(fc.constantFrom(0, 1, 3, 24), fc.nat({max: 100}))}),
    memoryBoundMiB: 64,
    memoryReason: 'one pending line (capped by the reader) plus one line per layer id seen',
    module: 'src/lib/progress (json-message, tally, plain-renderer, tty-view, progress-bar)',
    name: 'jsonmessage-stream',
    run: renderStream,
    smokeRuns: 1_200,
  }),
  target({
    expected: [],
    input: fc.constant(undefined).chain(() => mutatedBytes([...certificateSeeds, ...signed().certificates])),
    memoryBoundMiB: 32,
    memoryReason: 'subarray views of the input; the walk reads at most 10,000 nodes',
    module: 'src/lib/notation/der.ts',
    name: 'der',
    plainErrorsExpected: true,
    run: (bytes: Buffer) => walkDer(readDer(bytes), {nodes: 10_000}),
    smokeRuns: 4_000,
  }),
  target({
    expected: [],
    input: fc.constant(undefined).chain(() => mutatedBytes([...certificateSeeds, ...signed().certificates]).map((der) => (der.length % 2 ? der : Buffer.from(`-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`)))),
    memoryBoundMiB: 32,
    memoryReason: 'one X509Certificate and subarray views per certificate in the file',
    module: 'src/lib/notation/certificate.ts',
    name: 'certificate',
    plainErrorsExpected: true,
    run: (bytes: Buffer) => void parseCertificateFile(bytes),
    smokeRuns: 2_000,
  }),
  target({
    expected: [],
    input: fc.oneof(cborTree.map(encodeCbor), fc.constant(undefined).chain(() => mutatedBytes(signed().cose))),
    memoryBoundMiB: 32,
    memoryReason: 'every item takes at least one input byte and byte strings are views: linear in the input, depth ≤ 16',
    module: 'src/lib/notation/cbor.ts',
    name: 'cbor',
    plainErrorsExpected: true,
    run: (bytes: Buffer) => void decodeCbor(bytes),
    smokeRuns: 4_000,
  }),
  target({
    expected: [EnvelopeError],
    input: fc.constant(undefined).chain(mutatedCose),
    memoryBoundMiB: 32,
    memoryReason: 'the decoded envelope (linear in its bytes) and its certificates',
    module: 'src/lib/notation/cose.ts, envelope.ts',
    name: 'cose',
    run: (bytes: Buffer) => void verifyCose(bytes),
    smokeRuns: 1_600,
  }),
  target({
    expected: [EnvelopeError],
    input: fc.constant(undefined).chain(mutatedJws),
    memoryBoundMiB: 32,
    memoryReason: 'the parsed JSON and decoded base64 (linear in the envelope) and its certificates',
    module: 'src/lib/notation/jws.ts, envelope.ts',
    name: 'jws',
    run: (bytes: Buffer) => void verifyJws(bytes),
    smokeRuns: 1_600,
  }),
  target({
    expected: [],
    input: fc.oneof(mutatedJsonValue([{signatures: [{keyid: 'k', method: 'ecdsa', sig: 'AA=='}], signed: {a: 1}}]), mutatedJsonValue(notarySeeds)),
    memoryBoundMiB: 32,
    memoryReason: 'the canonical text of one value (linear in it); nesting is refused past 100 levels',
    module: 'src/lib/trust/canonical-json.ts',
    name: 'canonical-json',
    run: (value: unknown) => {
      let text: string
      try {
        text = canonicalJson(value)
      } catch (error) {
        if (error instanceof TrustError) return
        throw error
      }

      // Canonical JSON writes control characters raw (only `\` and `"` are escaped), so such text is not JSON.
      if ([...text].some((character) => character < ' ')) return
      assert.equal(canonicalJson(JSON.parse(text)), text, 'canonicalise∘parse is the identity on canonical text')
    },
    smokeRuns: 3_000,
  }),
  target({
    expected: [TrustError],
    input: fc.tuple(fc.constantFrom(...notaryRoles), mutatedJsonText(notarySeeds), mutatedJsonValue(notarySeeds)),
    memoryBoundMiB: 32,
    memoryReason: 'the parsed metadata (linear in the file, which the client reads to at most 8 MiB); depth ≤ 64',
    module: 'src/lib/trust (metadata, keys)',
    name: 'tuf-metadata',
    run: ([role, document, parent]: [(typeof notaryRoles)[number], string, unknown]) => {
      const raw = Buffer.from(document)
      const envelope = parseEnvelope<Signed>(raw, role)
      const asRoot = envelope as unknown as typeof trustedRoot
      const listed = (parent as {signed?: {meta?: Record<string, unknown>}} | null)?.signed?.meta?.[role]
      eachStep([
        () => checkFreshness(envelope.signed, role, notaryTime, 1),
        () => checkSignatures(envelope, role, trustedRoot.signed.keys, trustedRoot.signed.roles[role === 'targets/releases' ? 'targets' : role]),
        () => checkHashes(raw, listed as never, role),
        () => trustNewRoot(asRoot, notaryGun, notaryTime),
        () => void rootCertificatesNearExpiry(asRoot.signed, notaryGun, notaryTime),
        () => checkSignatures(envelope, role, asRoot.signed.keys, asRoot.signed.roles?.root),
      ])
    },
    smokeRuns: 1_200,
  }),
  target({
    expected: [DkrError],
    input: mutatedJsonText(policySeeds),
    memoryBoundMiB: 32,
    memoryReason: 'the parsed policy (linear in the file); key files it names are read once each',
    module: 'src/lib/signature/policy.ts',
    name: 'containers-policy',
    run: async (text: string) => {
      writeFileSync(policyPath, text)
      const policy = await parsePolicy(text, policyPath)
      for (const name of policyNames) policy.requirementsFor(name)
    },
    smokeRuns: 1_600,
  }),
  target({
    expected: [DkrError],
    input: fc.tuple(mutatedJsonText(notationSeeds), fc.constantFrom('registry.example/team/app', 'other/app', '', '*')),
    memoryBoundMiB: 32,
    memoryReason: 'the parsed policy document (linear in the file)',
    module: 'src/lib/notation/trust-policy.ts, distinguished-name.ts',
    name: 'notation-trust-policy',
    run: ([text, repository]: [string, string]) => void applicablePolicy(parseTrustPolicy(text, 'trustpolicy.oci.json'), repository),
    smokeRuns: 3_000,
  }),
  target({
    expected: [],
    input: fc.tuple(mutatedJsonValue([{artifactType: 'application/vnd.cncf.notary.signature', layers: [{digest: `sha256:${hex64}`, mediaType: 'application/jose+json', size: 10}], subject: {digest: `sha256:${hex64}`}}]), fc.constant(`sha256:${hex64}`)),
    memoryBoundMiB: 32,
    memoryReason: 'reads fields of an already parsed manifest, allocates nothing in proportion',
    module: 'src/lib/notation/signature-manifest.ts',
    name: 'signature-manifest',
    run: ([manifest, digest]: [unknown, string]) => void readSignatureManifest(manifest, digest),
    smokeRuns: 3_000,
  }),
  target({
    expected: [RegistryError],
    input: fc.record({
      body: fc.oneof(mutatedJsonText(tokenBodies), fc.uint8Array({maxLength: 64}).map((array) => Buffer.from(array).toString('latin1'))),
      header: fc.option(mutatedString(challengeSeeds, challengePieces), {nil: undefined}),
      identityToken: fc.boolean(),
      status: fc.constantFrom(200, 200, 401, 403, 500, 0),
    }),
    memoryBoundMiB: 32,
    memoryReason: 'the challenge parameters (linear in the header) and a token answer capped at 1 MiB',
    module: 'src/lib/registry/token-auth.ts',
    name: 'www-authenticate',
    run: async ({body, header, identityToken, status}: {body: string; header: string | undefined; identityToken: boolean; status: number}) => {
      parseChallenge(header)
      const answer = async (): Promise<HttpResponse> => ({body: Buffer.from(body, 'latin1'), headers: {}, status})
      const auth = new TokenAuth(identityToken ? {identitytoken: 'id', serveraddress: 'x'} : {password: 'p', serveraddress: 'x', username: 'u'}, answer)
      if (await auth.answer(header, 'repository:a:pull')) auth.headers('repository:a:pull')
    },
    smokeRuns: 3_000,
  }),
  target({
    expected: [HelperError],
    input: mutatedJsonText(helperSeeds),
    memoryBoundMiB: 32,
    memoryReason: 'the parsed answer (runChild stops a helper past 1 MiB of output)',
    module: 'src/lib/credentials/helper-protocol.ts',
    name: 'credential-helper-answer',
    run: (out: string) => {
      const answer = parseGetAnswer(out, 'fuzz', 'https://index.docker.io/v1/')
      assert.ok(Object.values(answer).every((field) => typeof field === 'string'), 'every credential field is a string')
    },
    smokeRuns: 3_000,
  }),
  target({
    expected: [DkrError],
    input: fc.tuple(mutatedJsonText(configSeeds), fc.constantFrom(...configKeys)),
    memoryBoundMiB: 32,
    memoryReason: 'the parsed file (linear in its size)',
    module: 'src/lib/credentials/config-file.ts, auth-config.ts',
    name: 'config-json',
    run: async ([text, key]: [string, string]) => {
      writeFileSync(join(configDir, 'config.json'), text)
      const {config} = await loadConfig(configDir)
      helperFor(config, key)
      fileAuth(config, key)
    },
    smokeRuns: 1_600,
  }),
  target({
    expected: [DkrError],
    input: fc.tuple(mutatedString(templateSeeds, templatePieces), mutatedJsonValue([versionSeed])),
    memoryBoundMiB: 32,
    memoryReason: 'the output: the template with each action replaced by a value of the data (linear in both)',
    module: 'src/lib/io/go-template.ts',
    name: 'go-template',
    run: ([template, data]: [string, unknown]) => void renderTemplate(template, data),
    smokeRuns: 1_500,
  }),
  target({
    expected: [DkrError],
    input: fc.tuple(mutatedString(durationSeeds, durationPieces), fc.nat({max: 59_999})),
    memoryBoundMiB: 32,
    memoryReason: 'one anchored pattern with no nested quantifiers over the text',
    module: 'src/lib/io/duration.ts',
    name: 'duration',
    run: ([text, ms]: [string, number]) => {
      assert.equal(parseDuration(formatDuration(ms), 'x'), ms, 'parseDuration∘formatDuration is the identity below a minute')
      const parsed = parseDuration(text, '--stall-timeout')
      assert.ok(Number.isFinite(parsed) && parsed >= 0, `a duration is a finite, non-negative number of milliseconds (got ${parsed})`)
    },
    smokeRuns: 6_000,
  }),
  target({
    expected: [],
    input: fc.tuple(fc.oneof(mutatedJsonText([indexSeed]), fc.constant('{"manifests":"x"}')), fc.array(mutatedString(platformSeeds, platformPieces), {maxLength: 4})),
    memoryBoundMiB: 32,
    memoryReason: 'one entry per manifest of an index the registry client caps at its manifest limit (4 MiB)',
    module: 'src/lib/pull/platforms.ts',
    name: 'platforms',
    run: ([text, wanted]: [string, string[]]) => {
      // What RegistryClient.manifest gives: any JSON object (the client refuses the rest with a RegistryError).
      let document: unknown
      try {
        document = JSON.parse(text)
      } catch {
        return
      }

      if (document === null || typeof document !== 'object' || Array.isArray(document)) return
      const entries = indexPlatforms(document as ManifestDocument)
      for (const platform of platformList(wanted)) {
        const picked = pickPlatform(entries, platform)
        if (picked) assert.ok(entries.includes(picked), 'the platform picked is one of the index')
      }
    },
    smokeRuns: 800,
  }),
  target({
    expected: [],
    input: mutatedJsonValue(engineImageRecords),
    memoryBoundMiB: 32,
    memoryReason: 'one entry per manifest the record lists, in an answer the build caps at 8 MiB',
    module: 'src/lib/engine/client.ts (keptImageOf: the image record an engine sends after a pull)',
    name: 'engine-image-record',
    run: (record: unknown) => {
      const kept = keptImageOf(record)
      for (const manifest of kept?.manifests ?? []) assert.match(manifest.platform, /^[^/]+\/[^/]+(\/[^/]+)?$/, 'a platform is os/arch[/variant]')
    },
    smokeRuns: 1_500,
  }),
  target({
    expected: [],
    input: fc.record({
      limit: fc.option(mutatedString(quotaSeeds, quotaPieces), {nil: undefined}),
      message: mutatedString(quotaMessages, ['reached your pull rate limit', 'toomanyrequests', ' ', '\n']),
      remaining: fc.option(mutatedString(quotaSeeds, quotaPieces), {nil: undefined}),
      source: fc.option(mutatedString(quotaSeeds, quotaPieces), {nil: undefined}),
      window: fc.tuple(fc.nat(), fc.nat()),
    }),
    memoryBoundMiB: 32,
    memoryReason: 'two unnested patterns over header values node caps at 16 KiB in all',
    module: 'src/lib/registry/ratelimit.ts, src/lib/pull/quota.ts (isQuotaRefusal)',
    name: 'rate-limit',
    run: ({limit, message, remaining, source, window: [count, seconds]}: {limit?: string; message: string; remaining?: string; source?: string; window: [number, number]}) => {
      const reported = rateLimitOf({'docker-ratelimit-source': source, 'ratelimit-limit': limit, 'ratelimit-remaining': remaining})
      if (reported) limitText(reported)
      assert.deepEqual(rateLimitOf({'ratelimit-limit': `${count};w=${seconds + 1}`}), {limit: count, windowSeconds: seconds + 1}, 'rateLimitOf reads back the limit and window it is given')
      isQuotaRefusal(new Error(message))
    },
    smokeRuns: 1_200,
  }),
  target({
    expected: [DkrError],
    input: mutatedJsonText(trustedRootSeeds),
    memoryBoundMiB: 48,
    memoryReason: 'the parsed root (linear in the file: a handful of certificates and keys)',
    module: 'src/lib/signature/trusted-root.ts, cosign-flags.ts (trustFromFile: --trusted-root as sigstore-js takes it)',
    name: 'trusted-root',
    run: async (text: string) => {
      writeFileSync(trustedRootPath, text)
      await trustFromFile(trustedRootPath)
    },
    smokeRuns: 400,
  }),
  target({
    expected: [],
    input: mutatedString(regexpSeeds, regexpPieces),
    memoryBoundMiB: 16,
    memoryReason: 'one compiled regular expression, linear in the flag value',
    module: 'src/lib/signature/sigstore.ts (compileRegexp, for cosign flags and policies)',
    name: 'cosign-regexp',
    plainErrorsExpected: true,
    run: (source: string) => void compileRegexp(source, '--certificate-identity-regexp'),
    smokeRuns: 1_500,
  }),
  target({
    expected: [],
    input: signatureCandidate,
    memoryBoundMiB: 64,
    memoryReason: 'the bundle and its certificates (linear in a signature blob the registry client caps); chains searched at most 8 deep',
    module: 'src/lib/signature/sigstore.ts (legacyBundle, bundle parsing), pki.ts',
    name: 'sigstore-signature',
    run: (candidate: Candidate) => {
      if (candidate.format === 'simplesigning') {
        try {
          legacyBundle(candidate)
        } catch (error) {
          // legacyBundle throws a plain Error naming the broken annotation; verifySigstore turns it into a reason.
          if (!(error instanceof Error) || Object.getPrototypeOf(error) !== Error.prototype) throw error
        }
      }

      verifySigstore(candidate, sigstoreDigest, keylessRules)
      checkPki(candidate, sigstoreDigest, pkiTrust, new Date('2023-06-01T00:00:00Z'))
    },
    smokeRuns: 300,
  }),
]
