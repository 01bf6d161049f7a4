// Test scaffolding: a small Rekor (v1 API) that `cosign sign` can post to through a signing config, so
// the stack makes keyless signatures with real log entries. It keeps an RFC 6962 Merkle tree in memory,
// answers each entry with Rekor's shape: the canonical body, integrated time, log ID (sha256 of the key's
// SPKI), index, a SET (ECDSA over the JCS of {body, integratedTime, logID, logIndex}) and an inclusion
// proof with a signed checkpoint (signed-note form). Kinds: hashedrekord 0.0.1 and dsse 0.0.1, what
// cosign 3 writes for legacy and bundle signatures. It checks nothing a real Rekor checks about the
// signature itself: the verifiers under test do that.
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
 * The checkpoint's signer name is the log's host, as rekor.sigstore.dev's is (sigstore-js matches it
 * against the trusted root's baseUrl), and its origin line `<host> - <tree ID>`: set once listening.
 */
let signerName = ''
let origin = ''
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

/** A checkpoint in signed-note form, as Rekor v1 writes it. */
function checkpoint(size, root) {
  const note = `${origin}\n${size}\n${root.toString('base64')}\n`
  const signature = Buffer.concat([logID.subarray(0, 4), signEcdsa(note)])
  return `${note}\n\u2014 ${signerName} ${signature.toString('base64')}\n`
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

function append(proposed) {
  const {body, error} = canonicalize(proposed)
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
  signerName = `127.0.0.1:${server.address().port}`
  origin = `${signerName} - 1`
  if (portFile) writeFileSync(portFile, String(server.address().port))
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
