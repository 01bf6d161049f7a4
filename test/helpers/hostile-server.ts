// A peer that lies: an HTTP(S) server on loopback whose every answer a test scripts (a raw socket
// write when the lie is below HTTP: a megabyte of header, a body cut short). Used by the hostile-peer
// suite as a registry, a token server and a Notary server.
import {createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import type {AddressInfo} from 'node:net'

export type Answer = (request: IncomingMessage, response: ServerResponse) => void

export class HostileServer {
  private server: Server | undefined
  /** Every request, method and path, in order. */
  readonly requests: string[] = []

  constructor(private readonly answer: Answer, private readonly tls?: {key: string; cert: string}) {}

  get port(): number {
    return (this.server!.address() as AddressInfo).port
  }

  async start(): Promise<this> {
    const handle = (request: IncomingMessage, response: ServerResponse) => {
      this.requests.push(`${request.method} ${request.url}`)
      // A client that gives up leaves a stream nobody reads: that is the point, not an error.
      response.on('error', () => {})
      this.answer(request, response)
    }

    this.server = this.tls ? createHttpsServer(this.tls, handle) : createHttpServer(handle)
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    return this
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }
}

/** Writes `chunk` again and again while the client reads, until it goes away: a body without end. */
export function endless(response: ServerResponse, chunk: Buffer | string): void {
  const write = () => {
    while (!response.destroyed && response.write(chunk));
    if (!response.destroyed) response.once('drain', write)
  }

  write()
}

/** One byte every `everyMs`, forever: never silent long enough for an idle timeout. */
export function trickle(response: ServerResponse, everyMs: number): void {
  const timer = setInterval(() => (response.destroyed ? clearInterval(timer) : response.write(' ')), everyMs)
  response.on('close', () => clearInterval(timer))
}
