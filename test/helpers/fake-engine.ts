// A tiny fake engine on a unix socket: /_ping, /images/create (whatever the test says: a stream, a
// stalled or broken answer), /images/{name}/tag and /auth (any credentials succeed). It records what
// the client asked for, so dkr and the docker CLI can be compared on the exact same input, and faults can
// be injected at will.
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export interface RecordedPull {
  fromImage: string | null
  tag: string | null
  platform: string | null
  registryAuth: string | undefined
}

/** What /images/create does with a request. */
export type PullHandler = (request: IncomingMessage, response: ServerResponse) => void

export const okStream = () => '{"status":"Pulling from x","id":"t"}\n{"status":"Digest: sha256:' + '0'.repeat(64) + '"}\n'

/** Answers a pull with `stream`'s text after `delayMs` (an engine slow to start the pull). */
export function streamAnswer(stream: (request: IncomingMessage) => string = okStream, delayMs = 0): PullHandler {
  return (request, response) => {
    setTimeout(() => {
      response.writeHead(200, {'Content-Type': 'application/json'})
      response.end(stream(request))
    }, delayMs)
  }
}

export class FakeEngine {
  readonly pulls: RecordedPull[] = []
  /** POST /images/{name}/tag: what was tagged as what. */
  readonly tags: {source: string; repo: string | null; tag: string | null}[] = []
  /** The bodies of POST /auth: which registry each login was for. */
  readonly logins: {serveraddress?: string; username?: string}[] = []
  readonly socketPath: string
  /** The API version its _ping names (dockerd 20.10's by default). */
  apiVersion = '1.41'
  /** Answers any other request it takes (returns true), before the 404 page. */
  other: ((request: IncomingMessage, response: ServerResponse) => boolean) | undefined
  private readonly dir: string
  private server: Server | undefined

  /** `pull` may be replaced between requests: the next /images/create gets the new behaviour. */
  constructor(public pull: PullHandler = streamAnswer()) {
    this.dir = mkdtempSync(join(tmpdir(), 'dkr-fake-engine-'))
    this.socketPath = join(this.dir, 'engine.sock')
  }

  get host(): string {
    return `unix://${this.socketPath}`
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://engine')
    if (url.pathname.endsWith('/_ping')) {
      response.writeHead(200, {'Api-Version': this.apiVersion, 'Content-Type': 'text/plain', Ostype: 'linux'})
      response.end(request.method === 'HEAD' ? undefined : 'OK')
      return
    }

    if (request.method === 'POST' && /^(\/v[\d.]+)?\/images\/(.+)\/tag$/.test(url.pathname)) {
      this.tags.push({repo: url.searchParams.get('repo'), source: decodeURIComponent(/\/images\/(.+)\/tag$/.exec(url.pathname)![1]), tag: url.searchParams.get('tag')})
      response.writeHead(201)
      response.end()
      return
    }

    if (request.method === 'POST' && /^(\/v[\d.]+)?\/images\/create$/.test(url.pathname)) {
      this.pulls.push({fromImage: url.searchParams.get('fromImage'), platform: url.searchParams.get('platform'), registryAuth: request.headers['x-registry-auth'] as string | undefined, tag: url.searchParams.get('tag')})
      this.pull(request, response)
      return
    }

    if (request.method === 'POST' && /^(\/v[\d.]+)?\/auth$/.test(url.pathname)) {
      let body = ''
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
      request.on('end', () => {
        this.logins.push(JSON.parse(body) as {serveraddress?: string; username?: string})
        response.writeHead(200, {'Content-Type': 'application/json'})
        response.end('{"IdentityToken":"","Status":"Login Succeeded"}')
      })
      return
    }

    if (this.other?.(request, response)) return
    response.writeHead(404, {'Content-Type': 'application/json'})
    response.end('{"message":"page not found"}')
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => this.handle(request, response))
    await new Promise<void>((resolve) => this.server!.listen(this.socketPath, resolve))
  }

  /** Goes away, open connections too (an engine that stopped); `start` brings it back. */
  async close(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
    this.server = undefined
  }

  async stop(): Promise<void> {
    await this.close()
    rmSync(this.dir, {force: true, recursive: true})
  }
}
