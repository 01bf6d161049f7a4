import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {createServer, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {DockerodeEngine, keptImageOf} from '../../../src/lib/engine/client.js'

describe('DockerodeEngine against an engine that never answers', () => {
  it('gives up when the signal says so, closing its connection, and asks again on the next call', async () => {
    const socketPath = join(mkdtempSync(join(tmpdir(), 'dkr-silent-engine-')), 'engine.sock')
    const connections: Socket[] = []
    const closed: Socket[] = []
    const server = createServer((socket) => {
      connections.push(socket)
      // Reads (and ignores) the request, so the client's end of the connection is seen.
      socket.resume()
      socket.on('close', () => closed.push(socket))
    })
    await new Promise<void>((resolve) => server.listen(socketPath, resolve))
    try {
      const engine = new DockerodeEngine({context: 'default', host: `unix://${socketPath}`, transport: {kind: 'unix', socketPath}}, {}, 'dkr/test')
      for (const attempt of [1, 2]) {
        const started = Date.now()
        await assert.rejects(engine.connect(AbortSignal.timeout(200)))
        assert.ok(Date.now() - started < 2000, `attempt ${attempt} took ${Date.now() - started} ms`)
        // The connection may still be on its way (the first call loads dockerode); it must end, not linger.
        for (let waited = 0; closed.length < attempt && waited < 2000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20))
        assert.equal(connections.length, attempt, `connections after attempt ${attempt}`)
        assert.equal(closed.length, attempt, `closed after attempt ${attempt}`)
      }
    } finally {
      server.close()
    }
  })
})

describe('keptImageOf: what an engine\'s image record says it holds', () => {
  const descriptor = (digest: string, platform?: object) => ({digest, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', platform, size: 1})
  const index = {digest: 'sha256:1', mediaType: 'application/vnd.oci.image.index.v1+json', size: 1}

  it('an index: the image manifests available, by platform (attestations and missing ones left out)', () => {
    const record = {Descriptor: index, Manifests: [
      {Available: true, Descriptor: descriptor('sha256:a', {architecture: 'arm', os: 'linux', variant: 'v7'}), Kind: 'image'},
      {Available: false, Descriptor: descriptor('sha256:b', {architecture: 'arm64', os: 'linux'}), Kind: 'image'},
      {Available: true, Descriptor: descriptor('sha256:c', {architecture: 'unknown', os: 'unknown'}), Kind: 'attestation'},
    ]}
    assert.deepEqual(keptImageOf(record), {digest: 'sha256:1', manifests: [{digest: 'sha256:a', platform: 'linux/arm/v7'}]})
  })

  it('a single manifest: no index to report; a graph driver\'s record or garbage: nothing known', () => {
    assert.deepEqual(keptImageOf({Descriptor: descriptor('sha256:2'), Manifests: [{Available: true, Descriptor: descriptor('sha256:2', {architecture: 'amd64', os: 'linux'}), Kind: 'image'}]}), {digest: 'sha256:2', manifests: []})
    for (const record of [{Id: 'sha256:3', RepoDigests: []}, null, 'text', [], {Descriptor: index, Manifests: [null, 5, {Descriptor: {platform: {os: {toString: 1}}}}]}]) {
      assert.deepEqual(keptImageOf(record), Array.isArray((record as {Manifests?: unknown})?.Manifests) ? {digest: 'sha256:1', manifests: []} : undefined)
    }
  })
})
