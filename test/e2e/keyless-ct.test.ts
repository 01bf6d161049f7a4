// Certificate transparency in keyless cosign verification: leaves of the test's own Fulcio-like CA with
// an SCT embedded by a CT log of the test's own (or one another key signed in that log's name, or none),
// signed by the real cosign in both formats, checked against trusted roots with and without that CT log,
// without --insecure-ignore-sct but for the last case. Every case gets the verdict of both oracles,
// `cosign verify --trusted-root` and sigstore-go's `oci-image-verification`; dkr pulls the accepted ones
// and refuses the others in one line, pulling nothing. Verification is tested once (dockerd).
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {actionsIssuer, assertVerifiedPulls, KeylessSigning, type KeylessCase} from '../helpers/keyless.js'
import {TestRegistry} from '../helpers/notation.js'
import {pushRandomImage} from '../helpers/random-image.js'
import {stack} from '../helpers/stack.js'

const workflow = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main'
const identity = ['--certificate-identity', workflow, '--certificate-oidc-issuer', actionsIssuer]
const image = (name: string) => `${stack.registry}/keyless-ct/${name}:1.0`

let signing: KeylessSigning
let rootWithCtLog: string
let rootWithoutCtLog: string

const cases = (): KeylessCase[] => [
  {accepted: true, flags: () => [...identity, '--trusted-root', rootWithCtLog], image: image('valid'), name: 'an SCT by the root\'s CT log, bundle format'},
  {accepted: true, flags: () => [...identity, '--trusted-root', rootWithCtLog], image: image('valid-legacy'), name: 'an SCT by the root\'s CT log, legacy format'},
  {accepted: false, flags: () => [...identity, '--trusted-root', rootWithCtLog], image: image('none'), name: 'no SCT, a root with a CT log', reason: /does not verify: the certificate has no SCT \(certificate transparency proof\) from a CT log of the trusted root, which cosign requires without --insecure-ignore-sct$/m},
  {accepted: false, flags: () => [...identity, '--trusted-root', rootWithCtLog], image: image('forged'), name: 'an SCT signed by another key in the CT log\'s name', reason: /does not verify: SCT verification failed/},
  {accepted: false, flags: () => [...identity, '--trusted-root', rootWithCtLog], image: image('forged-legacy'), name: 'an SCT signed by another key in the CT log\'s name, legacy format', reason: /does not verify: SCT verification failed/},
  {accepted: false, flags: () => [...identity, '--trusted-root', rootWithoutCtLog], image: image('none'), name: 'no SCT, a root without CT logs', reason: /does not verify: the certificate has no SCT/},
  {accepted: false, flags: () => [...identity, '--trusted-root', rootWithoutCtLog], image: image('valid'), name: 'an SCT, a root without CT logs', reason: /does not verify: SCT verification failed/},
  {accepted: true, flags: () => [...identity, '--trusted-root', rootWithCtLog, '--insecure-ignore-sct'], image: image('forged'), name: 'a forged SCT with --insecure-ignore-sct'},
]

/** A fresh image at keyless-ct/NAME:1.0; returns its digest reference, which cosign signs. */
async function fresh(name: string): Promise<string> {
  await pushRandomImage(stack.registry, `keyless-ct/${name}`, '1.0', 4096)
  const found = await new TestRegistry(stack.registry).manifest(`keyless-ct/${name}`, '1.0')
  return `${stack.registry}/keyless-ct/${name}@${found!.descriptor.digest}`
}

before(async () => {
  signing = new KeylessSigning()
  await signing.start()
  rootWithCtLog = signing.trustedRoot('root-with-ct-log', {withCtLog: true})
  rootWithoutCtLog = signing.trustedRoot('root-without-ct-log')
  const [valid, none, forged] = [
    await signing.leaf('ct-valid', `URI:${workflow}`, actionsIssuer, {sctBy: signing.ctLog}),
    await signing.leaf('ct-none', `URI:${workflow}`, actionsIssuer),
    await signing.leaf('ct-forged', `URI:${workflow}`, actionsIssuer, {sctBy: signing.otherCtLog}),
  ]
  await signing.sign(await fresh('valid'), valid, {format: 'bundle'})
  await signing.sign(await fresh('valid-legacy'), valid, {format: 'legacy'})
  await signing.sign(await fresh('none'), none, {format: 'bundle'})
  await signing.sign(await fresh('forged'), forged, {format: 'bundle'})
  await signing.sign(await fresh('forged-legacy'), forged, {format: 'legacy'})
})

after(() => signing?.stop())

const expected = () => cases().map((c) => [c.name, c.accepted])

describe('keyless cosign SCTs: both oracles agree on every case', () => {
  it('cosign verify --trusted-root accepts and refuses what dkr accepts and refuses', async () => {
    assert.deepEqual(await signing.verdicts(cases(), 'cosign'), expected())
  })

  it('sigstore-go (oci-image-verification) accepts and refuses what dkr accepts and refuses', async () => {
    assert.deepEqual(await signing.verdicts(cases(), 'sigstore-go'), expected())
  })
})

describe('keyless cosign SCTs: verified pulls (dockerd)', () => {
  it('pulls each accepted case; refuses the others in one line `<image>: not pulled: cosign: <reason>`, pulling nothing', async () => {
    await assertVerifiedPulls(cases())
  })
})
