// An HTTP proxy in front of the stack's registry that misbehaves on demand: drop a blob download after
// N bytes, answer with an error status, delay, or go away entirely and come back. dockerd talks to it
// as to any loopback registry. (tc netem is not available here, and nothing may touch `lo`'s qdisc.)
import {createServer, request, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {Socket} from 'node:net'

export interface Fault {
  /** Which requests it hits: a substring of the URL. */
  match: string
  /** Destroy the connection after this many body bytes. */
  dropAfter?: number
  /** Answer with this status instead of forwarding. */
  status?: number
  /** Hold the answer back this long. */
  delayMs?: number
  /** Fire on one request only. */
  once?: boolean
}

export class FaultProxy {
  fault: Fault | undefined
  readonly log: string[] = []
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  /** `port` 0 picks any; the stack reserves DKR_FAULT_PORT, which podman treats as a plain-HTTP registry. */
  constructor(private readonly upstream: string, private port = 0) {}

  get address(): string {
    return `127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res))
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve))
    this.port = (this.server.address() as {port: number}).port
  }

  /** Closes the listener and every open connection: the registry is gone. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
    this.server = undefined
  }

  private take(url: string): Fault | undefined {
    const fault = this.fault
    if (!fault || !url.includes(fault.match)) return undefined
    if (fault.once) this.fault = undefined
    return fault
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.log.push(`${req.method} ${req.url}`)
    const fault = this.take(req.url ?? '')
    const forward = () => {
      // The registry went away (stop) while this answer was held back.
      if (req.socket.destroyed) return
      if (fault?.status) {
        res.writeHead(fault.status, {'Content-Type': 'application/json'})
        res.end(JSON.stringify({errors: [{code: 'UNAVAILABLE', message: 'injected fault'}]}))
        return
      }

      const [host, port] = this.upstream.split(':')
      // No keep-alive: a connection left open to the registry would keep the test process alive.
      const upstream = request({agent: false, headers: req.headers, host, method: req.method, path: req.url, port: Number(port)}, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        let sent = 0
        answer.on('data', (chunk: Buffer) => {
          if (fault?.dropAfter !== undefined && sent + chunk.length > fault.dropAfter) {
            res.write(chunk.subarray(0, Math.max(0, fault.dropAfter - sent)))
            res.socket?.destroy()
            answer.destroy()
            return
          }

          sent += chunk.length
          res.write(chunk)
        })
        answer.on('end', () => res.end())
      })
      upstream.on('error', () => res.socket?.destroy())
      res.on('close', () => upstream.destroy())
      // A request held back by a delay has usually been read to its end already.
      if (req.readableEnded) upstream.end()
      else req.pipe(upstream)
    }

    if (fault?.delayMs) setTimeout(forward, fault.delayMs)
    else forward()
  }
}
