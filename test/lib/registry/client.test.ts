// The registry client against a small registry on loopback: manifests by tag and digest with their
// digests checked, the referrers API or its absence, blobs, and docker's token auth.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {AddressInfo} from 'node:net'
import {after, before, describe, it} from 'node:test'
import {RegistryClient, sha256Digest, type RegistryClientOptions} from '../../../src/lib/registry/client.js'
import {parseChallenge} from '../../../src/lib/registry/token-auth.js'

interface Seen {
  method: string
  url: string
  authorization?: string
  body: string
}

const manifest = Buffer.from(JSON.stringify({mediaType: 'application/vnd.oci.image.manifest.v1+json', schemaVersion: 2, layers: []}))
const manifestDigest = sha256Digest(manifest)
const tamperedDigest = sha256Digest(Buffer.from('what was signed'))
const blob = Buffer.from('a signature payload')
const redirected = Buffer.from('a blob kept in storage')
const redirectedDigest = sha256Digest(redirected)
const blobDigest = sha256Digest(blob)
const referrers = Buffer.from(JSON.stringify({manifests: [{digest: manifestDigest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: manifest.length}], mediaType: 'application/vnd.oci.image.index.v1+json', schemaVersion: 2}))

/** A registry with `repo/app:1.0`, a tampered tag, a blob; auth as the test sets it. */
class TestRegistry {
  server!: Server
  seen: Seen[] = []
  /** What a request without the right Authorization gets: nothing (open), a basic or a bearer challenge. */
  auth: 'basic' | 'bearer' | 'open' = 'open'
  referrersApi = true
  tokens: Record<string, string> = {}
  /** Where blobs that the registry redirects live (another origin). */
  storage = ''

  /** With `tls`, the registry speaks only HTTPS (a self-signed certificate). */
  async start(tls?: {key: Buffer; cert: Buffer}): Promise<void> {
    const handler = (request: IncomingMessage, response: ServerResponse) => {
      let body = ''
      request.on('data', (chunk: Buffer) => (body += chunk.toString()))
      request.on('end', () => this.handle(request, body, response))
    }
    this.server = tls ? createHttpsServer(tls, handler) : createServer(handler)
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
  }

  get host(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  client(options: Partial<RegistryClientOptions> = {}): RegistryClient {
    return new RegistryClient({auth: {}, host: this.host, insecure: true, ...options})
  }

  private handle(request: IncomingMessage, body: string, response: ServerResponse): void {
    const url = new URL(request.url!, `http://${this.host}`)
    this.seen.push({authorization: request.headers.authorization, body, method: request.method!, url: request.url!})
    if (url.pathname === '/token') return this.token(request, body, response)
    if (!this.authorised(request.headers.authorization)) {
      const challenge = this.auth === 'basic' ? 'Basic realm="test"' : `Bearer realm="http://${this.host}/token",service="test-registry",scope="repository:repo/app:pull"`
      response.writeHead(401, {'Content-Type': 'application/json', 'WWW-Authenticate': challenge}).end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}')
      return
    }

    const send = (status: number, type: string, bytes: Buffer, digest?: string) => {
      response.writeHead(status, {'Content-Length': bytes.length, 'Content-Type': type, ...(digest ? {'Docker-Content-Digest': digest} : {})})
      response.end(request.method === 'HEAD' ? undefined : bytes)
    }

    switch (url.pathname) {
      case '/v2/repo/app/manifests/1.0':
      case `/v2/repo/app/manifests/${manifestDigest}`:
        return send(200, 'application/vnd.oci.image.manifest.v1+json', manifest, manifestDigest)
      // The tag names one digest; the registry serves other bytes under it.
      case '/v2/repo/app/manifests/tampered':
      case `/v2/repo/app/manifests/${tamperedDigest}`:
        return send(200, 'application/vnd.oci.image.manifest.v1+json', manifest, tamperedDigest)
      case `/v2/repo/app/referrers/${manifestDigest}`:
        return this.referrersApi ? send(200, 'application/vnd.oci.image.index.v1+json', referrers) : send(404, 'text/plain', Buffer.from('404 page not found'))
      case `/v2/repo/app/blobs/${blobDigest}`:
        return send(200, 'application/octet-stream', blob)
      case `/v2/repo/app/blobs/${redirectedDigest}`:
        response.writeHead(307, {Location: `http://${this.storage}/bucket/blob`}).end()
        return
      case `/v2/repo/app/blobs/${sha256Digest(Buffer.from('other'))}`:
        return send(200, 'application/octet-stream', Buffer.from('not other'))
      default:
        return send(404, 'application/json', Buffer.from('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}'))
    }
  }

  private authorised(authorization: string | undefined): boolean {
    if (this.auth === 'open') return true
    if (this.auth === 'basic') return authorization === `Basic ${Buffer.from('alice:secret').toString('base64')}`
    return Object.values(this.tokens).some((token) => authorization === `Bearer ${token}`)
  }

  /** The token issuer: alice:secret or the identity token `refresh-me` get `user-token`, anyone `anon-token`. */
  private token(request: IncomingMessage, body: string, response: ServerResponse): void {
    let token = 'anon-token'
    if (request.method === 'POST') {
      const form = new URLSearchParams(body)
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== 'refresh-me') return void response.writeHead(401).end()
      token = 'user-token'
    } else if (request.headers.authorization) {
      if (request.headers.authorization !== `Basic ${Buffer.from('alice:secret').toString('base64')}`) return void response.writeHead(401).end('{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}')
      token = 'user-token'
    }

    if (!this.tokens[token]) return void response.writeHead(403).end()
    response.writeHead(200, {'Content-Type': 'application/json'}).end(JSON.stringify(request.method === 'POST' ? {access_token: this.tokens[token]} : {token: this.tokens[token]}))
  }
}

describe('registry client', () => {
  const registry = new TestRegistry()
  /** Runs `check` with the registry asking for `auth` (and issuing `tokens`), then opens it again. */
  const withAuth = async (auth: TestRegistry['auth'], tokens: Record<string, string>, check: () => Promise<void>) => {
    Object.assign(registry, {auth, seen: [], tokens})
    try {
      await check()
    } finally {
      registry.auth = 'open'
    }
  }

  before(() => registry.start())
  after(() => registry.server.close())

  it('resolves a tag with HEAD, then fetches the manifest by its digest and checks it', async () => {
    registry.seen = []
    const resolved = await registry.client().resolve('repo/app', '1.0')
    assert.equal(resolved.digest, manifestDigest)
    assert.deepEqual(resolved.bytes, manifest)
    assert.deepEqual(registry.seen.map((s) => `${s.method} ${s.url}`), ['HEAD /v2/repo/app/manifests/1.0', `GET /v2/repo/app/manifests/${manifestDigest}`])
  })

  it("asks for docker's and OCI's manifest types", async () => {
    const accepted: string[] = []
    const server = createServer((request, response) => {
      accepted.push(String(request.headers.accept))
      response.writeHead(404).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    await new RegistryClient({auth: {}, host: `127.0.0.1:${(server.address() as AddressInfo).port}`, insecure: true}).manifest('repo/app', '1.0')
    server.close()
    for (const type of ['application/vnd.oci.image.index.v1+json', 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.docker.distribution.manifest.v2+json']) {
      assert.ok(accepted[0].includes(type), `${type} in ${accepted[0]}`)
    }
  })

  it('refuses a manifest whose bytes do not match the digest the registry names', async () => {
    await assert.rejects(registry.client().manifest('repo/app', 'tampered'), /content does not match its digest/)
  })

  it('answers undefined for a tag the registry does not have, and resolve says so', async () => {
    assert.equal(await registry.client().manifest('repo/app', 'nope'), undefined)
    await assert.rejects(registry.client().resolve('repo/app', 'nope'), /repo\/app:nope: manifest unknown/)
  })

  it('lists referrers from the referrers API, and undefined where the registry has none', async () => {
    registry.referrersApi = true
    assert.deepEqual((await registry.client().referrers('repo/app', manifestDigest))?.map((d) => d.digest), [manifestDigest])
    registry.referrersApi = false
    assert.equal(await registry.client().referrers('repo/app', manifestDigest), undefined)
  })

  it('fetches a blob and refuses one whose bytes do not match its digest or size', async () => {
    assert.deepEqual(await registry.client().blob('repo/app', {digest: blobDigest, mediaType: 'x', size: blob.length}), blob)
    await assert.rejects(registry.client().blob('repo/app', {digest: blobDigest, mediaType: 'x', size: blob.length + 1}), /does not match its digest/)
    await assert.rejects(registry.client().blob('repo/app', {digest: sha256Digest(Buffer.from('other')), mediaType: 'x', size: 9}), /does not match its digest/)
  })

  it('follows a blob redirect to another origin without sending the registry\'s credentials there', async () => {
    const seen: (string | undefined)[] = []
    const storage = createServer((request, response) => {
      seen.push(request.headers.authorization)
      response.writeHead(200).end(redirected)
    })
    await new Promise<void>((resolve) => storage.listen(0, '127.0.0.1', resolve))
    registry.storage = `127.0.0.1:${(storage.address() as AddressInfo).port}`
    try {
      await withAuth('basic', {}, async () => {
        const fetched = await registry.client({auth: {password: 'secret', username: 'alice'}}).blob('repo/app', {digest: redirectedDigest, mediaType: 'x', size: redirected.length})
        assert.deepEqual(fetched, redirected)
      })
      assert.deepEqual(seen, [undefined])
    } finally {
      storage.close()
    }
  })

  it('answers a basic challenge with the stored credentials, and fails without them', async () => {
    await withAuth('basic', {}, async () => {
      const resolved = await registry.client({auth: {password: 'secret', username: 'alice'}}).resolve('repo/app', '1.0')
      assert.equal(resolved.digest, manifestDigest)
      await assert.rejects(registry.client().resolve('repo/app', '1.0'), /authentication required/)
    })
  })

  it('trades basic credentials for a bearer token at the realm, with service and scope', async () => {
    await withAuth('bearer', {'user-token': 'T-user'}, async () => {
      const resolved = await registry.client({auth: {password: 'secret', username: 'alice'}}).resolve('repo/app', '1.0')
      assert.equal(resolved.digest, manifestDigest)
      const tokenRequest = registry.seen.find((s) => s.url.startsWith('/token'))!
      assert.equal(tokenRequest.method, 'GET')
      const query = new URL(tokenRequest.url, 'http://x').searchParams
      assert.equal(query.get('service'), 'test-registry')
      assert.equal(query.get('scope'), 'repository:repo/app:pull')
      assert.equal(tokenRequest.authorization, `Basic ${Buffer.from('alice:secret').toString('base64')}`)
      // The token is kept: the second request of the resolve (GET by digest) did not fetch another.
      assert.equal(registry.seen.filter((s) => s.url.startsWith('/token')).length, 1)
      assert.equal(registry.seen.at(-1)?.authorization, 'Bearer T-user')
    })
  })

  it('gets an anonymous token without credentials', async () => {
    await withAuth('bearer', {'anon-token': 'T-anon'}, async () => {
      assert.equal((await registry.client().resolve('repo/app', '1.0')).digest, manifestDigest)
    })
  })

  it('trades an identity token with an OAuth2 refresh_token POST', async () => {
    await withAuth('bearer', {'user-token': 'T-oauth'}, async () => {
      assert.equal((await registry.client({auth: {identitytoken: 'refresh-me'}}).resolve('repo/app', '1.0')).digest, manifestDigest)
      const post = registry.seen.find((s) => s.url.startsWith('/token'))!
      assert.equal(post.method, 'POST')
      const form = new URLSearchParams(post.body)
      assert.equal(form.get('service'), 'test-registry')
      assert.equal(form.get('scope'), 'repository:repo/app:pull')
    })
  })

  it("reports the token server's refusal of wrong credentials", async () => {
    await withAuth('bearer', {'user-token': 'T-user'}, async () => {
      await assert.rejects(registry.client({auth: {password: 'wrong', username: 'alice'}}).resolve('repo/app', '1.0'), /token server http:\/\/127\.0\.0\.1:\d+: 401 UNAUTHORIZED: bad credentials/)
    })
  })

  it('turns to HTTPS, certificate unchecked, when an insecure (loopback) registry speaks only TLS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkr-tls-registry-'))
    const tlsRegistry = new TestRegistry()
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], {stdio: 'ignore'})
      await tlsRegistry.start({cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem'))})
      const client = tlsRegistry.client()
      assert.equal((await client.resolve('repo/app', '1.0')).digest, manifestDigest)
      assert.equal((await client.resolve('repo/app', '1.0')).digest, manifestDigest)
    } finally {
      tlsRegistry.server?.close()
      rmSync(dir, {force: true, recursive: true})
    }
  })

  it('speaks plain HTTP only to an insecure (loopback) registry', async () => {
    await assert.rejects(registry.client({insecure: false}).resolve('repo/app', '1.0'), (error: NodeJS.ErrnoException) => error.code === 'EPROTO' || error.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /SSL|TLS/i.test(error.message))
  })

  it('parses WWW-Authenticate challenges, quoted and bare', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'), {
      params: {realm: 'https://auth.example/token', scope: 'repository:a/b:pull,push', service: 'registry.example'},
      scheme: 'bearer',
    })
    assert.deepEqual(parseChallenge('Basic realm=test'), {params: {realm: 'test'}, scheme: 'basic'})
    assert.deepEqual(parseChallenge('Basic realm=dkr-test'), {params: {realm: 'dkr-test'}, scheme: 'basic'})
    assert.equal(parseChallenge(undefined), undefined)
  })
})
