// A one-layer image of fresh random bytes, pushed straight into a registry through its API (no engine):
// content no engine has seen, so a pull must fetch its layer. (Docker 28's containerd store keeps blobs
// after `docker image rm`, and other images share the stack's layers: neither refetches a known blob.)
import {createHash, randomBytes} from 'node:crypto'
import {gzipSync} from 'node:zlib'

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`

/** A ustar archive holding one regular file. */
function tarOf(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512)
  const field = (offset: number, length: number, value: string) => header.write(value.padEnd(length, '\0').slice(0, length), offset, 'latin1')
  field(0, 100, name)
  field(100, 8, '0000644')
  field(108, 8, '0000000')
  field(116, 8, '0000000')
  field(124, 12, content.length.toString(8).padStart(11, '0'))
  field(136, 12, '00000000000')
  field(148, 8, '        ')
  field(156, 1, '0')
  field(257, 6, 'ustar')
  field(263, 2, '00')
  let sum = 0
  for (const byte of header) sum += byte
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `)
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512)
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)])
}

async function pushBlob(registry: string, repository: string, blob: Buffer): Promise<string> {
  const digest = sha256(blob)
  const start = await fetch(`http://${registry}/v2/${repository}/blobs/uploads/`, {method: 'POST'})
  if (start.status !== 202) throw new Error(`blob upload to ${registry}: ${start.status}`)
  const location = new URL(start.headers.get('location') ?? '', `http://${registry}`)
  location.searchParams.set('digest', digest)
  const put = await fetch(location, {body: new Uint8Array(blob), headers: {'Content-Type': 'application/octet-stream'}, method: 'PUT'})
  if (put.status !== 201) throw new Error(`blob upload to ${registry}: ${put.status}`)
  return digest
}

/** Pushes `repository:tag` with one layer of `size` random bytes; returns the layer's digest. */
export async function pushRandomImage(registry: string, repository: string, tag: string, size: number): Promise<{layer: string}> {
  const tar = tarOf('data/random.bin', randomBytes(size))
  const layer = gzipSync(tar, {level: 1})
  const config = Buffer.from(JSON.stringify({architecture: 'amd64', config: {}, os: 'linux', rootfs: {diff_ids: [sha256(tar)], type: 'layers'}}))
  const [layerDigest, configDigest] = [await pushBlob(registry, repository, layer), await pushBlob(registry, repository, config)]
  const manifest = {
    config: {digest: configDigest, mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length},
    layers: [{digest: layerDigest, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length}],
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    schemaVersion: 2,
  }
  const put = await fetch(`http://${registry}/v2/${repository}/manifests/${tag}`, {body: JSON.stringify(manifest), headers: {'Content-Type': manifest.mediaType}, method: 'PUT'})
  if (put.status !== 201) throw new Error(`manifest push to ${registry}: ${put.status} ${await put.text()}`)
  return {layer: layerDigest}
}
