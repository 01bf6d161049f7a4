// Test scaffolding: an RFC 3161 timestamp authority for the stack, `openssl ts -reply` behind a small HTTP
// handler, which `cosign sign` reaches through a signing config's tsaUrls. Each POSTed TimeStampReq (DER)
// is answered with openssl's TimeStampResp, signed by the given key and certificate (EKU timeStamping).
//
//   node scripts/tsa.mjs DIR KEY_PEM CERT_PEM PORT [PORT_FILE]
// DIR holds openssl's configuration and serial file. PORT 0 picks one; PORT_FILE receives it.
import {execFile} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:http'
import {join} from 'node:path'

const [dir, key, cert, port = '0', portFile] = process.argv.slice(2)
const config = join(dir, 'tsa.cnf')
writeFileSync(join(dir, 'tsa.serial'), '01\n')
writeFileSync(config, ['[tsa]', 'default_tsa = dkr_tsa', '[dkr_tsa]', `serial = ${join(dir, 'tsa.serial')}`, 'crypto_device = builtin', 'signer_digest = sha256', 'default_policy = 1.3.6.1.4.1.57264.2', 'digests = sha256, sha384, sha512', 'accuracy = secs:1', 'ordering = no', 'tsa_name = no', 'ess_cert_id_chain = no', 'ess_cert_id_alg = sha256', ''].join('\n'))

/** openssl's answer to one request, or its error. */
function reply(request) {
  const work = mkdtempSync(join(dir, 'req-'))
  const query = join(work, 'q.tsq')
  const response = join(work, 'r.tsr')
  writeFileSync(query, request)
  return new Promise((resolve, reject) => {
    execFile('openssl', ['ts', '-reply', '-config', config, '-queryfile', query, '-inkey', key, '-signer', cert, '-out', response], (error, _stdout, stderr) => {
      try {
        if (error) reject(new Error(stderr.trim().split('\n').pop()))
        else resolve(readFileSync(response))
      } finally {
        rmSync(work, {force: true, recursive: true})
      }
    })
  })
}

const server = createServer((request, response) => {
  const chunks = []
  request.on('data', (chunk) => chunks.push(chunk))
  request.on('end', async () => {
    if (request.method !== 'POST') return void response.writeHead(405).end()
    try {
      const body = await reply(Buffer.concat(chunks))
      response.writeHead(200, {'Content-Type': 'application/timestamp-reply'}).end(body)
    } catch (error) {
      response.writeHead(400, {'Content-Type': 'text/plain'}).end(String(error.message))
    }
  })
})

server.listen(Number(port), '127.0.0.1', () => {
  if (portFile) writeFileSync(portFile, String(server.address().port))
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
