// Test scaffolding: a distribution registry with `auth: token`, and the token issuer it trusts. The issuer
// signs ES256 JWTs with the key of a certificate the stack made (the registry's rootcertbundle), carrying
// it in the `x5c` header as distribution verifies it. The user gets pull and push everywhere; anonymous
// callers get pull on `public/*` only. The registry runs as this process's child, and both go when the
// stack's dockerd does (engine-stack's down stops it) or on SIGTERM.
//
//   node scripts/token-registry.mjs DIR REGISTRY_PORT ISSUER_PORT USER PASSWORD WATCH_PIDFILE
import {spawn} from 'node:child_process'
import {createPrivateKey, randomUUID, sign, X509Certificate} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:http'
import {join} from 'node:path'
import {URLSearchParams} from 'node:url'

const [dir, registryPort, issuerPort, user, password, watch] = process.argv.slice(2)
const service = 'dkr-token-registry'
const issuer = 'dkr-token-issuer'
const key = createPrivateKey(readFileSync(join(dir, 'issuer-key.pem')))
const certificate = new X509Certificate(readFileSync(join(dir, 'issuer-cert.pem')))

const base64url = (data) => Buffer.from(data).toString('base64url')

function token(subject, access) {
  const now = Math.floor(Date.now() / 1000)
  const header = base64url(JSON.stringify({alg: 'ES256', typ: 'JWT', x5c: [certificate.raw.toString('base64')]}))
  const claims = base64url(JSON.stringify({access, aud: service, exp: now + 300, iat: now, iss: issuer, jti: randomUUID(), nbf: now - 10, sub: subject}))
  const signature = sign('sha256', Buffer.from(`${header}.${claims}`), {dsaEncoding: 'ieee-p1363', key})
  return `${header}.${claims}.${base64url(signature)}`
}

/** `repository:name:pull,push` scopes → the access the caller gets. */
function grant(scopes, authenticated) {
  const access = []
  for (const scope of scopes) {
    const [type, name, actions] = scope.split(':')
    if (type !== 'repository' || !name || !actions) continue
    const allowed = authenticated ? actions.split(',') : name.startsWith('public/') ? actions.split(',').filter((a) => a === 'pull') : []
    if (allowed.length > 0) access.push({actions: allowed, name, type})
  }

  return access
}

const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

/** A GET's basic credentials, or (containerd's OAuth2 POST) the form's password grant, as a Basic header. */
async function credentialsOf(request) {
  if (request.method !== 'POST') return {authorization: request.headers.authorization, form: undefined}
  let body = ''
  for await (const chunk of request) body += chunk
  const form = new URLSearchParams(body)
  const basic = form.get('grant_type') === 'password' ? `Basic ${Buffer.from(`${form.get('username')}:${form.get('password')}`).toString('base64')}` : undefined
  return {authorization: basic, form}
}

const server = createServer(async (request, response) => {
  const url = new URL(request.url, 'http://issuer')
  if (url.pathname !== '/token') return void response.writeHead(404).end()
  const {authorization, form} = await credentialsOf(request)
  if (authorization && authorization !== expected) {
    response.writeHead(401, {'Content-Type': 'application/json'}).end('{"errors":[{"code":"UNAUTHORIZED","message":"invalid username or password"}]}')
    return
  }

  const scopes = form ? (form.get('scope') ?? '').split(' ').filter(Boolean) : url.searchParams.getAll('scope')
  const issued = token(authorization ? user : '', grant(scopes, Boolean(authorization)))
  // `token` for docker's GET, `access_token` for the OAuth2 POST (containerd logs in that way).
  response.writeHead(200, {'Content-Type': 'application/json'}).end(JSON.stringify({access_token: issued, expires_in: 300, issued_at: new Date().toISOString(), token: issued}))
})

const config = join(dir, 'registry.yml')
writeFileSync(
  config,
  [
    'version: 0.1',
    'log: {level: warn, accesslog: {disabled: true}}',
    `storage: {filesystem: {rootdirectory: ${join(dir, 'storage')}}, delete: {enabled: true}}`,
    `http: {addr: 127.0.0.1:${registryPort}}`,
    `auth: {token: {realm: "http://127.0.0.1:${issuerPort}/token", service: ${service}, issuer: ${issuer}, rootcertbundle: ${join(dir, 'issuer-cert.pem')}}}`,
    '',
  ].join('\n'),
)
const registry = spawn('docker-registry', ['serve', config], {stdio: 'inherit'})
const stop = () => {
  registry.kill('SIGTERM')
  server.close()
  process.exit(0)
}

registry.on('exit', () => process.exit(1))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
server.listen(Number(issuerPort), '127.0.0.1')
// engine-stack's down stops dockerd: this scaffolding goes with it.
setInterval(() => {
  try {
    process.kill(Number(readFileSync(watch, 'utf8')), 0)
  } catch {
    stop()
  }
}, 1000)
