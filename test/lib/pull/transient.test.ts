// The retry rules against the engines' own words (captured from dockerd 20.10, Docker 28.5 with the
// containerd store, and podman 4.3 behind the test fault proxy).
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {CancelledError, DkrError, EngineResponseError, EngineUnreachableError} from '../../../src/lib/errors.js'
import {StallError} from '../../../src/lib/pull/stall-watchdog.js'
import {failureKind, type FailureKind} from '../../../src/lib/pull/transient.js'

const daemon = (status: number, text: string) => new EngineResponseError(status, text)
const stream = (text: string) => new DkrError(text)
const R = '127.0.0.1:46647'
const quota = 'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit'

const table: [string, Error, FailureKind][] = [
  // The registry failing: 5xx.
  ['dockerd 20.10: manifest 503', daemon(500, 'received unexpected HTTP status: 503 Service Unavailable'), 'transient'],
  ['dockerd 20.10: manifest 500', daemon(500, 'received unexpected HTTP status: 500 Internal Server Error'), 'transient'],
  ['dockerd 20.10: blob 503 after its own retries', stream('received unexpected HTTP status: 503 Service Unavailable'), 'transient'],
  ['Docker 28.5: manifest 503', daemon(500, `unknown: failed to resolve reference "${R}/demo/mid:1.0": unexpected status from HEAD request to http://${R}/v2/demo/mid/manifests/1.0: 503 Service Unavailable`), 'transient'],
  ['podman: manifest 503', stream(`initializing source docker://${R}/demo/mid:1.0: reading manifest 1.0 in ${R}/demo/mid: received unexpected HTTP status: 503 Service Unavailable`), 'transient'],
  ['podman: blob 503', stream('reading blob sha256:1234: Error fetching blob: invalid status code from registry 503 (Service Unavailable)'), 'transient'],
  // Rate limits.
  ['dockerd 20.10: 429', daemon(500, 'toomanyrequests: too many requests: injected fault'), 'transient'],
  ['Docker 28.5: 429', daemon(500, `unknown: failed to resolve reference "${R}/demo/mid:1.0": unexpected status from HEAD request to http://${R}/v2/demo/mid/manifests/1.0: 429 Too Many Requests`), 'transient'],
  ['podman: 429', stream(`initializing source docker://${R}/demo/mid:1.0: reading manifest 1.0 in ${R}/demo/mid: toomanyrequests: too many requests: injected fault`), 'transient'],
  // Docker Hub's abuse limit, as each engine relays it (from scripts/ratelimit-proxy.mjs).
  ['dockerd 20.10: Hub abuse 429', daemon(500, 'toomanyrequests: retry-after: 749.975µs, allowed: 44000/minute'), 'transient'],
  ['podman: Hub abuse 429, after its own retries', stream(`initializing source docker://${R}/public/app:1.0: reading manifest 1.0 in ${R}/public/app: toomanyrequests: retry-after: 749.975µs, allowed: 44000/minute`), 'transient'],
  // The registry unreachable or cut off.
  ['dockerd 20.10: registry port closed', daemon(500, 'Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused'), 'transient'],
  ['dockerd 20.10: registry killed mid-pull, after its retries', stream('dial tcp 127.0.0.1:25102: connect: connection refused'), 'transient'],
  ['podman: registry port closed', stream('pinging container registry 127.0.0.1:5999: Get "https://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused'), 'transient'],
  ['podman: connection cut mid-blob', stream('writing blob: storing blob to file "/var/tmp/storage123/1": happened during read: unexpected EOF'), 'transient'],
  ['a reset connection', stream('read tcp 127.0.0.1:40000->127.0.0.1:5000: read: connection reset by peer'), 'transient'],
  ['a registry that times out', daemon(500, 'Get "https://r.example/v2/": net/http: TLS handshake timeout'), 'transient'],
  // The engine unreachable or lost.
  ['the engine not answering', new EngineUnreachableError('unix:///var/run/docker.sock'), 'transient'],
  ['the engine dying mid-pull', stream('lost the connection to the Docker daemon at unix:///x/docker.sock during the pull (ECONNRESET)'), 'transient'],
  // A stall.
  ['no progress', new StallError(30_000, `${R}/demo/mid:1.0`), 'transient'],
  // Never: what a retry cannot change.
  ['dockerd 20.10: missing tag', daemon(404, `manifest for ${R}/demo/mid:9.9 not found: manifest unknown: manifest unknown`), 'permanent'],
  ['Docker 28.5: missing tag', daemon(404, `failed to resolve reference "${R}/demo/mid:9.9": ${R}/demo/mid:9.9: not found`), 'permanent'],
  ['podman: missing tag', stream(`initializing source docker://${R}/demo/mid:9.9: reading manifest 9.9 in ${R}/demo/mid: manifest unknown: manifest unknown`), 'permanent'],
  ['Docker Hub: missing or denied repository', daemon(404, "pull access denied for nosuch, repository does not exist or may require 'docker login': denied: requested access to the resource is denied"), 'permanent'],
  ['dockerd 20.10: no credentials', daemon(500, 'Head "http://127.0.0.1:5001/v2/private/app/manifests/1.0": no basic auth credentials'), 'permanent'],
  ['dockerd 20.10: wrong password', daemon(500, 'unauthorized: authentication required'), 'permanent'],
  ['podman: refused', stream(`initializing source docker://127.0.0.1:5001/private/app:1.0: reading manifest 1.0 in 127.0.0.1:5001/private/app: unauthorized: authentication required`), 'permanent'],
  ['dockerd 20.10: bad name', daemon(400, 'invalid reference format: repository name must be lowercase'), 'permanent'],
  ['dockerd 20.10: platform mismatch', stream('no matching manifest for linux/amd64 in the manifest list entries'), 'permanent'],
  ['podman: platform mismatch', stream('choosing an image from manifest list docker://x: no image found in manifest list for architecture amd64, variant "", OS linux'), 'permanent'],
  ['a bad platform', daemon(400, '"bogus": unknown operating system or architecture: invalid argument'), 'permanent'],
  ['a garbled stream', stream('invalid progress message from the engine: "xx"'), 'permanent'],
  ['a registry name that does not resolve', daemon(500, 'Get "https://nosuch.example/v2/": dial tcp: lookup nosuch.example on 10.0.0.1:53: no such host'), 'permanent'],
  // Docker Hub's pull quota, as each engine relays it (from scripts/ratelimit-proxy.mjs): hours away.
  ['dockerd 20.10: Hub quota 429', daemon(500, `toomanyrequests: ${quota}`), 'permanent'],
  ['Docker 28.5: Hub quota 429', stream(`error from registry: ${quota}`), 'permanent'],
  ['podman: Hub quota 429, after its own retries', stream(`initializing source docker://${R}/public/app:1.0: reading manifest 1.0 in ${R}/public/app: toomanyrequests: ${quota}`), 'permanent'],
  ['Ctrl-C', new CancelledError('SIGINT'), 'permanent'],
  ['anything not known to get better', stream('something odd happened'), 'permanent'],
]

describe('failureKind: which failures a retry may fix', () => {
  for (const [what, error, kind] of table) {
    it(`${what}: ${kind}`, () => assert.equal(failureKind(error), kind, error.message))
  }
})
