// A tiny fake engine on a unix socket that answers /_ping, /images/create and /auth (any credentials
// succeed) and records what the client asked for, so dkr and the docker CLI can be compared on the exact same input.
import {createServer, type IncomingMessage, type Server} from 'node:http'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export interface RecordedPull {
  fromImage: string | null
  tag: string | null
  platform: string | null
  registryAuth: string | undefined
}

export class RecordingEngine {
  readonly pulls: RecordedPull[] = []
  /** The bodies of POST /auth: which registry each login was for. */
  readonly logins: {serveraddress?: string; username?: string}[] = []
  readonly socketPath: string
  private readonly dir: string
  private readonly server: Server

  /** `stream` is what /images/create answers with, after `delayMs` (an engine slow to start the pull). */
  constructor(private readonly stream: (request: IncomingMessage) => string = () => '{"status":"Pulling from x","id":"t"}\n{"status":"Digest: sha256:' + '0'.repeat(64) + '"}\n', private readonly delayMs = 0) {
    this.dir = mkdtempSync(join(tmpdir(), 'dkr-rec-'))
    this.socketPath = join(this.dir, 'engine.sock')
    this.server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://engine')
      if (url.pathname.endsWith('/_ping')) {
        response.writeHead(200, {'Api-Version': '1.41', 'Content-Type': 'text/plain', Ostype: 'linux'})
        response.end(request.method === 'HEAD' ? undefined : 'OK')
        return
      }

      if (request.method === 'POST' && /^(\/v[\d.]+)?\/images\/create$/.test(url.pathname)) {
        this.pulls.push({fromImage: url.searchParams.get('fromImage'), platform: url.searchParams.get('platform'), registryAuth: request.headers['x-registry-auth'] as string | undefined, tag: url.searchParams.get('tag')})
        setTimeout(() => {
          response.writeHead(200, {'Content-Type': 'application/json'})
          response.end(this.stream(request))
        }, this.delayMs)
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

      response.writeHead(404, {'Content-Type': 'application/json'})
      response.end('{"message":"page not found"}')
    })
  }

  get host(): string {
    return `unix://${this.socketPath}`
  }

  start(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.socketPath, resolve))
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve))
    rmSync(this.dir, {force: true, recursive: true})
  }
}
