// sigstore-conformance's bundle-verify cases, each with its expected verdict, through dkr's sigstore
// layer (verifyBundle, the trusted-root loader, cosign's identity matching): the cases every Sigstore
// client is held to. The harness's rules: the case's trusted root or the public-good one, the case's
// identity and issuer (exact) or the defaults, key.pub for managed-key cases, and for DSSE bundles the
// in-toto subject must name the artifact's sha256.
import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {bundleFromJSON} from '@sigstore/bundle'
import {toTrustMaterial} from '@sigstore/verify'
import {loadPublicKey} from '../../../src/lib/signature/keys.js'
import {verifyBundle, type SigstoreResult} from '../../../src/lib/signature/sigstore.js'
import {parseTrustedRoot} from '../../../src/lib/signature/trusted-root.js'

const fixtures = join(import.meta.dirname, '../../fixtures/sigstore')
const cases = join(fixtures, 'conformance/bundle-verify')
const defaultIdentity = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main'
const defaultIssuer = 'https://token.actions.githubusercontent.com'

const optional = (dir: string, name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name)) : undefined)

/** The conformance harness's verdict for one case: the reason it fails, or undefined when it verifies. */
function verifyCase(name: string): string | undefined {
  const dir = join(cases, name)
  let root
  try {
    root = parseTrustedRoot((optional(dir, 'trusted_root.json') ?? readFileSync(join(fixtures, 'public-good/trusted_root.json'))).toString())
  } catch (error) {
    return `trusted root: ${(error as Error).message}`
  }

  let bundle
  try {
    bundle = bundleFromJSON(JSON.parse(readFileSync(join(dir, 'bundle.sigstore.json'), 'utf8')))
  } catch (error) {
    return `bundle: ${(error as Error).message}`
  }

  const artifact = optional(dir, 'artifact') ?? readFileSync(join(cases, 'a.txt'))
  const keyPem = optional(dir, 'key.pub')
  let keys
  try {
    keys = keyPem ? [loadPublicKey(keyPem, 'key.pub')] : undefined
  } catch (error) {
    return `key.pub: ${(error as Error).message}`
  }

  const result: SigstoreResult = verifyBundle(bundle, artifact, {
    identity: keyPem ? undefined : {issuer: {exact: optional(dir, 'issuer')?.toString().trim() ?? defaultIssuer}, san: {exact: optional(dir, 'identity')?.toString().trim() ?? defaultIdentity}},
    keys,
    requireSct: root.ctlogs.length > 0,
    requireTlog: true,
    trust: toTrustMaterial(root),
  })
  if (result.stage !== 'signed') return result.reason
  if (bundle.content.$case === 'dsseEnvelope') {
    const statement = JSON.parse(bundle.content.dsseEnvelope.payload.toString()) as {subject?: {digest?: {sha256?: string}}[]}
    const sha256 = createHash('sha256').update(artifact).digest('hex')
    if (!statement.subject?.some((s) => s.digest?.sha256 === sha256)) return 'the statement does not name the artifact'
  }

  return undefined
}

describe('sigstore-conformance bundle-verify', () => {
  const names = readdirSync(cases, {withFileTypes: true}).filter((d) => d.isDirectory()).map((d) => d.name)
  it('has the cases', () => assert.ok(names.length >= 70, `${names.length} cases`))
  // sigstore-js would take a log key without a validity start as valid forever: dkr's loader refuses it.
  it('refuses a trusted root whose log has no validity start, by that reason', () => {
    assert.match(verifyCase('trust-root-tlog-missing-validity-start_fail') ?? '', /trusted root: tlogs\[\d\] .* has no validity start/)
  })
  for (const name of names.sort()) {
    const shouldFail = name.endsWith('_fail')
    it(`${name}: ${shouldFail ? 'refused' : 'verified'}`, () => {
      const failure = verifyCase(name)
      if (shouldFail) assert.ok(failure, 'verified, but the case must fail')
      else assert.equal(failure, undefined)
    })
  }
})
