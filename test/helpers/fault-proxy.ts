// An HTTP proxy in front of the stack's registry that misbehaves on demand: drop a blob download after
// N bytes, stall one after N bytes (the connection held open, silent), answer with an error status (N
// times, or always; 429 with Retry-After), delay, answer for another path (a tag that moved after the
// first look), or go away entirely and come back. dockerd talks to it
// as to any loopback registry; podman only on the stack's DKR_FAULT_PORT, which its registries.conf
// lists as insecure. (tc netem is not available here, and nothing may touch `lo`'s qdisc.)
import {createServer, request, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {Socket} from 'node:net'

export interface Fault {
  /** Which requests it hits: a substring of the URL. */
  match: string
  /** Destroy the connection after this many body bytes. */
  dropAfter?: number
  /** Send this many body bytes, then nothing more: the connection stays open and silent. */
  stallAfter?: number
  /** Answer with this status instead of forwarding (429 comes with `Retry-After: 1` and `TOOMANYREQUESTS`). */
  status?: number
  /** Hold the answer back this long. */
  delayMs?: number
  /** Fire on one request only. */
  once?: boolean
  /** Fire on this many requests, then forward normally (dockerd spends two per attempt: HEAD, then GET). */
  times?: number
  /** Let this many matching requests through untouched before the fault fires. */
  after?: number
  /** Forward to another path: `from` in the URL replaced by `to` (a tag that moved to another manifest). */
  rewrite?: {from: string; to: string}
}

export class FaultProxy {
  private current: Fault | undefined
  readonly log: string[] = []
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()

  private fired = 0
  private matched = 0

  /** `port` 0 picks a free one; podman reaches only the stack's DKR_FAULT_PORT. */
  constructor(private readonly upstream: string, private port = 0) {}

  /** The fault injected from now on (its count starts again), or none. */
  get fault(): Fault | undefined {
    return this.current
  }

  set fault(fault: Fault | undefined) {
    this.current = fault
    this.fired = 0
    this.matched = 0
  }

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
    const fault = this.current
    if (!fault || !url.includes(fault.match)) return undefined
    if (++this.matched <= (fault.after ?? 0)) return undefined
    this.fired++
    const times = fault.once ? 1 : fault.times
    if (times !== undefined && this.fired >= times) this.current = undefined
    return fault
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.log.push(`${req.method} ${req.url}`)
    const fault = this.take(req.url ?? '')
    const forward = () => {
      // The registry went away (stop) while this answer was held back.
      if (req.socket.destroyed) return
      if (fault?.status) {
        const limited = fault.status === 429
        res.writeHead(fault.status, {'Content-Type': 'application/json', ...(limited ? {'Retry-After': '1'} : {})})
        res.end(JSON.stringify({errors: [{code: limited ? 'TOOMANYREQUESTS' : 'UNAVAILABLE', message: limited ? 'too many requests: injected fault' : 'injected fault'}]}))
        return
      }

      const [host, port] = this.upstream.split(':')
      // No keep-alive: a connection left open to the registry would keep the test process alive.
      const path = fault?.rewrite ? (req.url ?? '').replace(fault.rewrite.from, fault.rewrite.to) : req.url
      const upstream = request({agent: false, headers: req.headers, host, method: req.method, path, port: Number(port)}, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        let sent = 0
        answer.on('data', (chunk: Buffer) => {
          if (fault?.stallAfter !== undefined && sent + chunk.length > fault.stallAfter) {
            // Silent from here on, the connection held open until the client or stop() ends it.
            if (sent < fault.stallAfter) res.write(chunk.subarray(0, fault.stallAfter - sent))
            sent = fault.stallAfter
            answer.pause()
            return
          }

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
