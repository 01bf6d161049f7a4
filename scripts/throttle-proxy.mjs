#!/usr/bin/env node
// A TCP proxy on loopback that limits the bytes per second sent back to each client, so a pull
// from a local registry lasts long enough to watch its progress. Usage: LISTEN UPSTREAM RATE
import net from 'node:net'

const [listen, upstream, rateArg] = process.argv.slice(2)
const split = (address) => { const i = address.lastIndexOf(':'); return [address.slice(0, i), Number(address.slice(i + 1))] }
const [listenHost, listenPort] = split(listen)
const [upHost, upPort] = split(upstream)
if (!['127.0.0.1', 'localhost', '::1'].includes(listenHost) || !['127.0.0.1', 'localhost', '::1'].includes(upHost)) {
  console.error('throttle-proxy: loopback addresses only')
  process.exit(2)
}
const bytesPerSecond = Number(rateArg) || 8 * 1024 * 1024
const tickMs = 50
const perTick = Math.max(1, Math.floor(bytesPerSecond * tickMs / 1000))

net.createServer((client) => {
  const server = net.connect(upPort, upHost)
  const queue = []
  let budget = perTick
  const timer = setInterval(() => { budget = perTick; drain() }, tickMs)
  const drain = () => {
    while (queue.length > 0 && budget > 0) {
      const chunk = queue[0]
      const n = Math.min(chunk.length, budget)
      client.write(chunk.subarray(0, n))
      budget -= n
      if (n === chunk.length) queue.shift(); else queue[0] = chunk.subarray(n)
    }
    if (queue.length < 64) server.resume()
    if (queue.length === 0 && server.readableEnded) client.end()
  }
  server.on('data', (chunk) => { queue.push(chunk); if (queue.length >= 64) server.pause(); drain() })
  server.on('end', drain)
  client.pipe(server)
  const close = () => { clearInterval(timer); client.destroy(); server.destroy() }
  client.on('error', close); server.on('error', close); client.on('close', close); server.on('close', () => { if (queue.length === 0) close() })
}).listen(listenPort, listenHost)
