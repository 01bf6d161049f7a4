import assert from 'node:assert/strict'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {after, before, describe, it} from 'node:test'
import {checkWithRegistry, loginEndpoints} from '../../../src/lib/login/direct-login.js'

/** A registry on loopback that challenges as `handler` says; every request is logged. */
class FakeRegistry {
  readonly requests: {url: string; authorization?: string}[] = []
  private server: Server | undefined
  port = 0
  constructor(public handler: (request: IncomingMessage, response: ServerResponse, registry: FakeRegistry) => void) {}
  get host(): string {
    return `127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      this.requests.push({authorization: request.headers.authorization, url: request.url ?? ''})
      this.handler(request, response, this)
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.port = (this.server!.address() as {port: number}).port
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server!.close(() => resolve()))
  }
}

const good = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`
const signal = new AbortController().signal

describe('loginEndpoints', () => {
  it('https, then plain http for the loopback registries dockerd calls insecure; Docker Hub is registry-1', () => {
    assert.deepEqual(loginEndpoints('127.0.0.1:5000').map(String), ['https://127.0.0.1:5000/v2/', 'http://127.0.0.1:5000/v2/'])
    assert.deepEqual(loginEndpoints('localhost:5000').map(String), ['https://localhost:5000/v2/', 'http://localhost:5000/v2/'])
    assert.deepEqual(loginEndpoints('registry.example.com').map(String), ['https://registry.example.com/v2/'])
    assert.deepEqual(loginEndpoints('https://index.docker.io/v1/').map(String), ['https://registry-1.docker.io/v2/'])
  })
})

describe('checkWithRegistry (the login docker does itself when the engine is unreachable)', () => {
  const basic = new FakeRegistry((request, response) => {
    if (request.headers.authorization === good) return void response.writeHead(200).end('{}')
    response.writeHead(401, {'WWW-Authenticate': 'Basic realm="fake"'}).end()
  })
  const bearer = new FakeRegistry((request, response, self) => {
    const url = new URL(request.url ?? '/', 'http://x')
    if (url.pathname === '/token') {
      if (request.headers.authorization !== good) return void response.writeHead(401).end('{"details":"bad credentials"}')
      return void response.writeHead(200, {'Content-Type': 'application/json'}).end('{"token":"T0K3N","refresh_token":"R3FR3SH"}')
    }

    if (request.headers.authorization === 'Bearer T0K3N') return void response.writeHead(200).end('{}')
    response.writeHead(401, {'WWW-Authenticate': `Bearer realm="http://${self.host}/token",service="fake-registry"`}).end()
  })
  const open = new FakeRegistry((_request, response) => void response.writeHead(200).end('{}'))
  before(async () => Promise.all([basic.start(), bearer.start(), open.start()]))
  after(async () => Promise.all([basic.stop(), bearer.stop(), open.stop()]))

  it('Basic: the credentials are sent after the challenge, and accepted', async () => {
    assert.deepEqual(await checkWithRegistry({password: 's3cret', serveraddress: basic.host, username: 'alice'}, signal), {Status: 'Login Succeeded'})
    assert.deepEqual(basic.requests.map((r) => r.authorization), [undefined, good])
  })

  it('Basic: a wrong password fails with docker\'s line for the last endpoint tried', async () => {
    await assert.rejects(checkWithRegistry({password: 'nope', serveraddress: basic.host, username: 'alice'}, signal), {message: `login attempt to http://${basic.host}/v2/ failed with status: 401 Unauthorized`})
  })

  it('Bearer: an offline token from the realm for the account, /v2/ again with it; the refresh token becomes the identity token', async () => {
    assert.deepEqual(await checkWithRegistry({password: 's3cret', serveraddress: bearer.host, username: 'alice'}, signal), {IdentityToken: 'R3FR3SH', Status: 'Login Succeeded'})
    const token = new URL(bearer.requests.find((r) => r.url.startsWith('/token'))!.url, 'http://x')
    assert.deepEqual(Object.fromEntries(token.searchParams), {account: 'alice', client_id: 'docker', offline_token: 'true', service: 'fake-registry'})
    assert.equal(bearer.requests.at(-1)!.authorization, 'Bearer T0K3N')
  })

  it('Bearer: the token service refusing the credentials fails the login', async () => {
    await assert.rejects(checkWithRegistry({password: 'nope', serveraddress: bearer.host, username: 'alice'}, signal), {message: `login attempt to http://${bearer.host}/v2/ failed with status: 401 Unauthorized`})
  })

  it('a registry that asks for nothing: logged in', async () => {
    assert.deepEqual(await checkWithRegistry({password: 'x', serveraddress: open.host, username: 'anyone'}, signal), {Status: 'Login Succeeded'})
  })

  it('nothing listening: Go\'s words for the refused connection', async () => {
    await assert.rejects(checkWithRegistry({password: 'x', serveraddress: '127.0.0.1:1', username: 'a'}, signal), {message: 'Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused'})
  })
})
