#!/usr/bin/env node
// Test scaffolding: an HTTP proxy in front of the stack's token-auth registry that behaves as Docker Hub
// does about pull rate limits. Every manifest answer carries `ratelimit-limit: N;w=21600`,
// `ratelimit-remaining: M;w=21600` and `docker-ratelimit-source` (the user the bearer token names, else
// the client's address); anonymous callers get 100, authenticated ones 200. A manifest GET counts as a
// pull, a HEAD does not (as on Docker Hub); with nothing left, a GET gets Hub's quota 429. Tests steer
// it through `/__ratelimit?…` (answered by the proxy itself, never forwarded):
//   headers=0|1        send the rate-limit headers or not (default 1)
//   remaining=N        what is left, for every caller (default: the limit)
//   abuse=N            the next N manifest requests get Hub's short abuse 429 (`retry-after: …`)
//   quotaRetryAfter=S  send `Retry-After: S` with the quota 429 too (podman retries any 429 five
//                      times itself, from 2 s doubling when the registry names no delay)
//   reset=1            back to the defaults
// It answers with its state as JSON, with the manifest GETs seen by client (User-Agent product). Loopback only. Usage: LISTEN UPSTREAM
import {createServer, request} from 'node:http'

const [listen, upstream] = process.argv.slice(2)
const split = (address) => { const i = address.lastIndexOf(':'); return [address.slice(0, i), Number(address.slice(i + 1))] }
const [listenHost, listenPort] = split(listen)
const [upHost, upPort] = split(upstream)
if (![listenHost, upHost].every((host) => ['127.0.0.1', 'localhost', '::1'].includes(host))) {
  console.error('ratelimit-proxy: loopback addresses only')
  process.exit(2)
}

const windowSeconds = 21600
const limits = {anonymous: 100, authenticated: 200}
// manifestGets: the manifest GETs each client made, by its User-Agent's product (`dkr`, `docker`, `containers`).
const fresh = () => ({abuse: 0, headers: true, manifestGets: new Map(), pulls: new Map(), quotaRetryAfter: undefined, remaining: undefined})
let state = fresh()

/** Who is asking: the `sub` of the bearer token the registry's issuer signed (not checked: the registry does), else the address. */
function caller(req) {
  const [scheme, credentials] = (req.headers.authorization ?? '').split(' ')
  let subject = ''
  if (scheme === 'Bearer' && credentials) {
    try {
      subject = JSON.parse(Buffer.from(credentials.split('.')[1] ?? '', 'base64url').toString('utf8')).sub ?? ''
    } catch {}
  } else if (scheme === 'Basic' && credentials) {
    subject = Buffer.from(credentials, 'base64').toString('utf8').split(':')[0]
  }

  return subject ? {id: subject, limit: limits.authenticated} : {id: req.socket.remoteAddress ?? '127.0.0.1', limit: limits.anonymous}
}

function remainingFor(who) {
  return Math.max(0, (state.remaining ?? who.limit) - (state.pulls.get(who.id) ?? 0))
}

function rateHeaders(who) {
  if (!state.headers) return {}
  return {'docker-ratelimit-source': who.id, 'ratelimit-limit': `${who.limit};w=${windowSeconds}`, 'ratelimit-remaining': `${remainingFor(who)};w=${windowSeconds}`}
}

function refuse(res, headers, message) {
  res.writeHead(429, {'Content-Type': 'application/json', ...headers})
  res.end(JSON.stringify({errors: [{code: 'TOOMANYREQUESTS', message}]}))
}

function control(url, res) {
  if (url.searchParams.get('reset') === '1') state = fresh()
  if (url.searchParams.has('headers')) state.headers = url.searchParams.get('headers') !== '0'
  if (url.searchParams.has('remaining')) {
    state.remaining = Number(url.searchParams.get('remaining'))
    state.pulls.clear()
  }

  if (url.searchParams.has('abuse')) state.abuse = Number(url.searchParams.get('abuse'))
  if (url.searchParams.has('quotaRetryAfter')) state.quotaRetryAfter = url.searchParams.get('quotaRetryAfter')
  res.writeHead(200, {'Content-Type': 'application/json'})
  res.end(JSON.stringify({abuse: state.abuse, headers: state.headers, manifestGets: Object.fromEntries(state.manifestGets), pulls: Object.fromEntries(state.pulls), quotaRetryAfter: state.quotaRetryAfter, remaining: state.remaining}))
}

createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://proxy')
  if (url.pathname === '/__ratelimit') return control(url, res)
  const manifest = /^\/v2\/.+\/manifests\/[^/]+$/.test(url.pathname)
  const who = caller(req)
  if (manifest && req.method === 'GET') {
    const product = (req.headers['user-agent'] ?? '').split('/')[0]
    state.manifestGets.set(product, (state.manifestGets.get(product) ?? 0) + 1)
  }

  let extra = {}
  if (manifest && req.headers.authorization) {
    if (state.abuse > 0) {
      state.abuse--
      res.setHeader('Retry-After', '1')
      return refuse(res, {}, 'retry-after: 749.975µs, allowed: 44000/minute')
    }

    if (req.method === 'GET') {
      if (remainingFor(who) === 0) {
        const retryAfter = state.quotaRetryAfter === undefined ? {} : {'Retry-After': state.quotaRetryAfter}
        return refuse(res, {...rateHeaders(who), ...retryAfter}, 'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit')
      }

      state.pulls.set(who.id, (state.pulls.get(who.id) ?? 0) + 1)
    }

    extra = rateHeaders(who)
  }

  // No keep-alive upstream: nothing here should outlive the client's connection.
  const forwarded = request({agent: false, headers: req.headers, host: upHost, method: req.method, path: req.url, port: upPort}, (answer) => {
    res.writeHead(answer.statusCode ?? 502, {...answer.headers, ...(answer.statusCode === 200 ? extra : {})})
    answer.pipe(res)
  })
  forwarded.on('error', () => res.socket?.destroy())
  res.on('close', () => forwarded.destroy())
  req.pipe(forwarded)
}).listen(listenPort, listenHost)
