// Verification of real Notary metadata (written by docker 28 against notary-server 0.7, kept in
// test/fixtures/notary), and of the same data damaged in each way that must be refused.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {canonicalJson} from '../../../src/lib/trust/canonical-json.js'
import {TrustError} from '../../../src/lib/trust/errors.js'
import {keyId} from '../../../src/lib/trust/keys.js'
import {checkFreshness, checkHashes, checkSignatures, parseEnvelope, trustNewRoot, type RootSigned, type SnapshotSigned, type TargetsSigned, type TimestampSigned} from '../../../src/lib/trust/metadata.js'

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'notary', `${name}.json`))
const gun = 'localhost:5000/signed/app'
/** When the samples were fresh (the timestamp expires 14 days after it). */
const sampleTime = new Date('2026-11-23T17:20:00Z')

const kind = (k: TrustError['kind']) => (error: unknown) => error instanceof TrustError && error.kind === k

describe('canonicalJson', () => {
  it('sorts keys by bytes, drops whitespace, escapes only quote and backslash', () => {
    assert.equal(canonicalJson({b: 1, a: [true, null, 'x"\\\n\u00e9'], B: {}}), '{"B":{},"a":[true,null,"x\\"\\\\\n\u00e9"],"b":1}')
  })

  it('refuses numbers that are not integers', () => {
    assert.throws(() => canonicalJson({a: 1.5}), kind('malformed'))
  })
})

describe('Notary metadata from docker', () => {
  const root = parseEnvelope<RootSigned>(fixture('root'), 'root')

  it('computes the key IDs Notary uses (the x509 root key hashes its whole PEM)', () => {
    for (const [id, key] of Object.entries(root.signed.keys)) assert.equal(keyId(key), id)
    assert.ok('3ddf66f8a20f8f5e6cc403761f53f67c7bcba0e6e72d0966360284e97fc0a900' in root.signed.keys)
  })

  it('trusts the root on first use when its certificate names the repository, and not for another name', () => {
    trustNewRoot(root, gun, sampleTime)
    assert.throws(() => trustNewRoot(root, 'localhost:5000/other/app', sampleTime), kind('untrusted-root'))
  })

  it('verifies timestamp (ed25519), snapshot and targets (ecdsa) against the root, and each hash pin', () => {
    const timestamp = parseEnvelope<TimestampSigned>(fixture('timestamp'), 'timestamp')
    const snapshot = parseEnvelope<SnapshotSigned>(fixture('snapshot'), 'snapshot')
    const targets = parseEnvelope<TargetsSigned>(fixture('targets'), 'targets')
    checkSignatures(timestamp, 'timestamp', root.signed.keys, root.signed.roles.timestamp)
    checkSignatures(snapshot, 'snapshot', root.signed.keys, root.signed.roles.snapshot)
    checkSignatures(targets, 'targets', root.signed.keys, root.signed.roles.targets)
    checkHashes(snapshot.raw, timestamp.signed.meta.snapshot, 'snapshot')
    checkHashes(targets.raw, snapshot.signed.meta.targets, 'targets')
    checkHashes(root.raw, snapshot.signed.meta.root, 'root')
    for (const envelope of [timestamp, snapshot, targets]) checkFreshness(envelope.signed, envelope.signed._type.toLowerCase(), sampleTime)
  })

  it('verifies a targets/releases delegation with the delegation keys', () => {
    const targets = parseEnvelope<TargetsSigned>(fixture('deleg_targets'), 'targets')
    const releases = parseEnvelope<TargetsSigned>(fixture('deleg_targets_releases'), 'targets/releases')
    const role = targets.signed.delegations!.roles.find((r) => r.name === 'targets/releases')!
    checkSignatures(releases, 'targets/releases', targets.signed.delegations!.keys, role)
    checkFreshness(releases.signed, 'targets/releases', sampleTime)
  })

  it('refuses a signature over changed content, a signature by the wrong role, and a signature it cannot decode', () => {
    const targets = parseEnvelope<TargetsSigned>(fixture('targets'), 'targets')
    const changed = {...targets, signed: {...targets.signed, version: 99}}
    assert.throws(() => checkSignatures(changed, 'targets', root.signed.keys, root.signed.roles.targets), kind('threshold'))
    assert.throws(() => checkSignatures(targets, 'targets', root.signed.keys, root.signed.roles.snapshot), kind('threshold'))
    const garbled = {...targets, signatures: targets.signatures.map((s) => ({...s, sig: 'AAAA'}))}
    assert.throws(() => checkSignatures(garbled, 'targets', root.signed.keys, root.signed.roles.targets), kind('threshold'))
  })

  it('still verifies a re-indented file (signatures cover canonical JSON) but its hash pin fails', () => {
    const targets = JSON.parse(fixture('targets').toString()) as object
    const reindented = parseEnvelope<TargetsSigned>(Buffer.from(JSON.stringify(targets, null, 2)), 'targets')
    checkSignatures(reindented, 'targets', root.signed.keys, root.signed.roles.targets)
    const snapshot = parseEnvelope<SnapshotSigned>(fixture('snapshot'), 'snapshot')
    assert.throws(() => checkHashes(reindented.raw, snapshot.signed.meta.targets, 'targets'), kind('mismatch'))
  })

  it('fails closed on expiry, unparsable dates, wrong types and older versions', () => {
    const timestamp = parseEnvelope<TimestampSigned>(fixture('timestamp'), 'timestamp').signed
    assert.throws(() => checkFreshness(timestamp, 'timestamp', new Date('2027-01-01T00:00:00Z')), kind('expired'))
    assert.throws(() => checkFreshness({...timestamp, expires: 'soon'}, 'timestamp', sampleTime), kind('expired'))
    assert.throws(() => checkFreshness(timestamp, 'snapshot', sampleTime), kind('mismatch'))
    assert.throws(() => checkFreshness(timestamp, 'timestamp', sampleTime, timestamp.version + 1), kind('low-version'))
  })

  it('refuses a threshold below one', () => {
    const targets = parseEnvelope<TargetsSigned>(fixture('targets'), 'targets')
    assert.throws(() => checkSignatures(targets, 'targets', root.signed.keys, {...root.signed.roles.targets, threshold: 0}), kind('threshold'))
  })
})

describe('metadata the tuf-metadata and canonical-json fuzz targets built (test/fuzz/targets.ts)', () => {
  const root = parseEnvelope<RootSigned>(fixture('root'), 'root')
  const rootJson = JSON.parse(fixture('root').toString()) as {signed: Record<string, unknown>; signatures: Record<string, unknown>[]}
  const withSigned = (change: Record<string, unknown>) => parseEnvelope<RootSigned>(Buffer.from(JSON.stringify({...rootJson, signed: {...rootJson.signed, ...change}})), 'root')

  it('refuses a signature whose sig is not a string, before Buffer.from makes a gigabyte of {"length":1e9}', () => {
    const started = Date.now()
    const raw = Buffer.from(JSON.stringify({...rootJson, signatures: [{...rootJson.signatures[0], sig: {length: 1e9}}]}))
    assert.throws(() => parseEnvelope(raw, 'root'), kind('malformed'))
    assert.throws(() => parseEnvelope(Buffer.from('{"signed":[],"signatures":[]}'), 'root'), kind('malformed'))
    assert.ok(Date.now() - started < 1000)
  })

  it('refuses a threshold that is not a number (an object with toString was a TypeError)', () => {
    const targets = parseEnvelope<TargetsSigned>(fixture('targets'), 'targets')
    const threshold = {toString: 1} as unknown as number
    assert.throws(() => checkSignatures(targets, 'targets', root.signed.keys, {...root.signed.roles.targets, threshold}), kind('threshold'))
    assert.throws(() => checkSignatures(targets, 'targets', root.signed.keys, {keyids: 'abc' as unknown as string[], threshold: 1}), kind('threshold'))
  })

  it('ignores keys that are not own entries of the right shape, and a root without roles', () => {
    const forged = {...root, signatures: [{keyid: 'toString', method: 'ecdsa', sig: 'AA=='}]}
    assert.throws(() => checkSignatures(forged, 'root', root.signed.keys, {keyids: ['toString'], threshold: 1}), kind('threshold'))
    assert.throws(() => trustNewRoot(withSigned({roles: undefined}), gun, sampleTime), kind('untrusted-root'))
    const keys = {...root.signed.keys, '3ddf66f8a20f8f5e6cc403761f53f67c7bcba0e6e72d0966360284e97fc0a900': {keytype: 'ecdsa-x509', keyval: {public: {length: 1e9}}}}
    assert.throws(() => trustNewRoot(withSigned({keys}), gun, sampleTime), kind('untrusted-root'))
  })

  it('names a type that is not a string without converting it, and refuses an expiry that is not a string', () => {
    assert.throws(() => checkFreshness({...root.signed, _type: {toString: 1} as unknown as string}, 'root', sampleTime), {message: 'root: expected type Root, got an object'})
    assert.throws(() => checkFreshness({...root.signed, expires: ['2030-01-01'] as unknown as string}, 'root', sampleTime), kind('malformed'))
  })

  it('refuses to canonicalise a value nested deeper than any TUF document, instead of overflowing the stack', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown
    assert.throws(() => canonicalJson({signed: deep}), kind('malformed'))
  })
})
