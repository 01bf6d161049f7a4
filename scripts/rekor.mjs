// Test scaffolding: a small Rekor that `cosign sign` can post to through a signing config, so the stack
// makes keyless signatures with real log entries. It keeps an RFC 6962 Merkle tree in memory and speaks
// both APIs:
// - v1 (`POST /api/v1/log/entries`): each entry answered with Rekor's shape: the canonical body,
//   integrated time, log ID (sha256 of the key's SPKI), index, a SET (ECDSA over the JCS of {body,
//   integratedTime, logID, logIndex}) and an inclusion proof with a signed checkpoint (signed-note form).
//   Kinds: hashedrekord 0.0.1 and dsse 0.0.1, what cosign 3 writes for legacy and bundle signatures.
// - v2 (`POST /api/v2/log/entries`, rekor-tiles): a CreateEntryRequest (hashedRekordRequestV002, or the
//   deprecated dsseRequestV002 older clients send) answered by a TransparencyLogEntry in protojson:
//   kindVersion 0.0.2, the canonical body (the JCS of the protojson Entry, as rekor-tiles stores it),
//   index, log ID and an inclusion proof whose checkpoint is a C2SP signed note. No integrated time and no
//   inclusion promise: a v2 entry is dated by an RFC 3161 timestamp beside it. The checkpoint's origin and
//   signer name are the log's host name without the port, with the key hint sha256(SPKI)[0:4]: sigstore-go
//   takes the origin from the trusted root's baseUrl host (rekor-tiles' note verifier), sigstore-js
//   accepts a signer name contained in that baseUrl and a hint equal to the log ID's first 4 bytes.
// It checks nothing a real Rekor checks about the signature itself (the verifiers under test do that),
// keeps no tiles and serves no v2 read API: cosign and the verifiers need only the entry it answers.
//
//   node scripts/rekor.mjs KEY_PEM PORT [PORT_FILE]
// KEY_PEM: the log's EC P-256 private key (PKCS#8 PEM). PORT 0 picks one; PORT_FILE receives it.
import {createHash, createPrivateKey, createPublicKey, sign} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:http'

const [keyPath, port = '0', portFile] = process.argv.slice(2)
const key = createPrivateKey(readFileSync(keyPath))
const spki = createPublicKey(key).export({format: 'der', type: 'spki'})
const logID = createHash('sha256').update(spki).digest()
/**
 * The v1 checkpoint's signer name is the log's host and port, as rekor.sigstore.dev's is (sigstore-js
 * matches it against the trusted root's baseUrl), and its origin line `<host:port> - <tree ID>`; a v2
 * checkpoint's origin and signer name are the bare host: set once listening.
 */
let signerName = ''
let origin = ''
let hostName = ''
/** Leaf hashes, in log order, and the canonical bodies by UUID. */
const leaves = []
const entries = new Map()

const sha256 = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest()
const leafHash = (body) => sha256(Buffer.from([0]), body)
const nodeHash = (left, right) => sha256(Buffer.from([1]), left, right)

/** RFC 8785 (JCS) for the JSON Rekor signs: sorted keys, no spaces; numbers here are integers. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`
  return JSON.stringify(value)
}

function largestPowerOfTwoBelow(n) {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** RFC 6962 Merkle tree hash of `hashes`. */
function treeHash(hashes) {
  if (hashes.length === 1) return hashes[0]
  const k = largestPowerOfTwoBelow(hashes.length)
  return nodeHash(treeHash(hashes.slice(0, k)), treeHash(hashes.slice(k)))
}

/** RFC 6962 audit path for leaf `m` in `hashes`, leaf to root. */
function auditPath(m, hashes) {
  if (hashes.length <= 1) return []
  const k = largestPowerOfTwoBelow(hashes.length)
  return m < k ? [...auditPath(m, hashes.slice(0, k)), treeHash(hashes.slice(k))] : [...auditPath(m - k, hashes.slice(k)), treeHash(hashes.slice(0, k))]
}

const signEcdsa = (data) => sign('sha256', Buffer.from(data), key)

/** A checkpoint in signed-note form, as Rekor v1 writes it (or, with `v2`, as rekor-tiles does). */
function checkpoint(size, root, v2 = false) {
  const note = `${v2 ? hostName : origin}\n${size}\n${root.toString('base64')}\n`
  const signature = Buffer.concat([logID.subarray(0, 4), signEcdsa(note)])
  return `${note}\n\u2014 ${v2 ? hostName : signerName} ${signature.toString('base64')}\n`
}

/** The canonical body Rekor stores for a proposed entry, or an error message. */
function canonicalize(proposed) {
  if (proposed?.kind === 'hashedrekord' && proposed.apiVersion === '0.0.1') {
    const {data, signature} = proposed.spec ?? {}
    if (data?.hash?.algorithm !== 'sha256' || typeof signature?.content !== 'string' || typeof signature.publicKey?.content !== 'string') return {error: 'malformed hashedrekord'}
    return {body: {apiVersion: '0.0.1', kind: 'hashedrekord', spec: {data: {hash: {algorithm: 'sha256', value: data.hash.value}}, signature: {content: signature.content, publicKey: {content: signature.publicKey.content}}}}}
  }

  if (proposed?.kind === 'dsse' && proposed.apiVersion === '0.0.1') {
    const content = proposed.spec?.proposedContent
    if (typeof content?.envelope !== 'string' || !Array.isArray(content.verifiers) || content.verifiers.length !== 1) return {error: 'malformed dsse'}
    const envelope = JSON.parse(content.envelope)
    const payload = Buffer.from(envelope.payload, 'base64')
    const signatures = envelope.signatures.map((s) => ({signature: s.sig, verifier: content.verifiers[0]}))
    return {body: {apiVersion: '0.0.1', kind: 'dsse', spec: {envelopeHash: {algorithm: 'sha256', value: sha256(Buffer.from(content.envelope)).toString('hex')}, payloadHash: {algorithm: 'sha256', value: sha256(payload).toString('hex')}, signatures}}}
  }

  return {error: `unsupported kind ${proposed?.kind} ${proposed?.apiVersion}`}
}

/** Base64 as protojson writes bytes (standard alphabet, padded), from either alphabet. */
const bytes64 = (value) => Buffer.from(String(value), 'base64').toString('base64')

/** A Rekor v2 Verifier (x509Certificate or publicKey, and keyDetails) as the entry stores it. */
function verifierV2(verifier) {
  const key = verifier?.x509Certificate ? 'x509Certificate' : 'publicKey'
  if (typeof verifier?.[key]?.rawBytes !== 'string' || typeof verifier.keyDetails !== 'string') return undefined
  return {[key]: {rawBytes: bytes64(verifier[key].rawBytes)}, keyDetails: verifier.keyDetails}
}

/** The protojson Entry rekor-tiles stores for a CreateEntryRequest, or an error message. */
function canonicalizeV2(request) {
  const hashed = request?.hashedRekordRequestV002
  if (hashed) {
    const verifier = verifierV2(hashed.signature?.verifier)
    // The digest algorithm is the signing algorithm's (PKIX_ECDSA_P256_SHA_256 → SHA2_256).
    const algorithm = /SHA_(256|384|512)$/.exec(verifier?.keyDetails ?? '')
    if (!verifier || !algorithm || typeof hashed.digest !== 'string' || typeof hashed.signature.content !== 'string') return {error: 'invalid hashedrekord request'}
    return {body: {apiVersion: '0.0.2', kind: 'hashedrekord', spec: {hashedRekordV002: {data: {algorithm: `SHA2_${algorithm[1]}`, digest: bytes64(hashed.digest)}, signature: {content: bytes64(hashed.signature.content), verifier}}}}}
  }

  const dsse = request?.dsseRequestV002
  if (dsse) {
    const verifier = Array.isArray(dsse.verifiers) && dsse.verifiers.length === 1 ? verifierV2(dsse.verifiers[0]) : undefined
    const signatures = dsse.envelope?.signatures
    if (!verifier || typeof dsse.envelope.payload !== 'string' || !Array.isArray(signatures) || signatures.length !== 1) return {error: 'invalid dsse request'}
    const payloadHash = {algorithm: 'SHA2_256', digest: sha256(Buffer.from(dsse.envelope.payload, 'base64')).toString('base64')}
    return {body: {apiVersion: '0.0.2', kind: 'dsse', spec: {dsseV002: {payloadHash, signatures: [{content: bytes64(signatures[0].sig), verifier}]}}}}
  }

  return {error: 'invalid type, must be hashedrekord'}
}

function append(proposed, v2 = false) {
  const {body, error} = v2 ? canonicalizeV2(proposed) : canonicalize(proposed)
  if (error) return {error}
  const bodyBytes = Buffer.from(canonical(body))
  const hash = leafHash(bodyBytes)
  const uuid = hash.toString('hex')
  if (!entries.has(uuid)) {
    leaves.push(hash)
    entries.set(uuid, {body: bodyBytes.toString('base64'), integratedTime: Math.floor(Date.now() / 1000), logID: logID.toString('hex'), logIndex: leaves.length - 1})
  }

  return {uuid}
}

/** An entry as Rekor returns it, with a SET and an inclusion proof against the current tree. */
function anonEntry(uuid) {
  const entry = entries.get(uuid)
  const size = leaves.length
  const root = treeHash(leaves)
  const set = signEcdsa(canonical(entry)).toString('base64')
  const inclusionProof = {checkpoint: checkpoint(size, root), hashes: auditPath(entry.logIndex, leaves).map((h) => h.toString('hex')), logIndex: entry.logIndex, rootHash: root.toString('hex'), treeSize: size}
  return {[uuid]: {...entry, verification: {inclusionProof, signedEntryTimestamp: set}}}
}

/** A v2 entry as rekor-tiles answers it: a TransparencyLogEntry in protojson (int64 as strings, bytes as base64). */
function transparencyLogEntry(uuid) {
  const entry = entries.get(uuid)
  const size = leaves.length
  const root = treeHash(leaves)
  const inclusionProof = {checkpoint: {envelope: checkpoint(size, root, true)}, hashes: auditPath(entry.logIndex, leaves).map((h) => h.toString('base64')), logIndex: String(entry.logIndex), rootHash: root.toString('base64'), treeSize: String(size)}
  const body = JSON.parse(Buffer.from(entry.body, 'base64').toString())
  return {canonicalizedBody: entry.body, inclusionProof, kindVersion: {kind: body.kind, version: body.apiVersion}, logId: {keyId: logID.toString('base64')}, logIndex: String(entry.logIndex)}
}

const json = (response, status, value) => response.writeHead(status, {'Content-Type': 'application/json'}).end(JSON.stringify(value))

const server = createServer((request, response) => {
  const url = new URL(request.url, 'http://rekor')
  const chunks = []
  request.on('data', (chunk) => chunks.push(chunk))
  request.on('end', () => {
    try {
      if (request.method === 'POST' && url.pathname === '/api/v1/log/entries') {
        const {uuid, error} = append(JSON.parse(Buffer.concat(chunks).toString()))
        if (error) return json(response, 400, {code: 400, message: error})
        // sigstore-go finds the new entry in the answer by the ETag header, as Rekor sends it.
        response.setHeader('ETag', uuid)
        response.setHeader('Location', `/api/v1/log/entries/${uuid}`)
        return json(response, 201, anonEntry(uuid))
      }

      if (request.method === 'POST' && url.pathname === '/api/v2/log/entries') {
        const {uuid, error} = append(JSON.parse(Buffer.concat(chunks).toString()), true)
        if (error) return json(response, 400, {code: 3, message: error})
        return json(response, 201, transparencyLogEntry(uuid))
      }

      const byUuid = /^\/api\/v1\/log\/entries\/([0-9a-f]{64,80})$/.exec(url.pathname)
      if (request.method === 'GET' && byUuid && entries.has(byUuid[1].slice(-64))) return json(response, 200, anonEntry(byUuid[1].slice(-64)))
      if (request.method === 'GET' && url.pathname === '/api/v1/log/publicKey') return response.writeHead(200, {'Content-Type': 'application/x-pem-file'}).end(createPublicKey(key).export({format: 'pem', type: 'spki'}))
      if (request.method === 'GET' && url.pathname === '/api/v1/log') {
        const root = leaves.length > 0 ? treeHash(leaves) : sha256(Buffer.alloc(0))
        return json(response, 200, {rootHash: root.toString('hex'), signedTreeHead: checkpoint(leaves.length, root), treeID: '1', treeSize: leaves.length})
      }

      json(response, 404, {code: 404, message: 'not found'})
    } catch (error) {
      json(response, 400, {code: 400, message: String(error.message ?? error)})
    }
  })
})

server.listen(Number(port), '127.0.0.1', () => {
  hostName = '127.0.0.1'
  signerName = `${hostName}:${server.address().port}`
  origin = `${signerName} - 1`
  if (portFile) writeFileSync(portFile, String(server.address().port))
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
