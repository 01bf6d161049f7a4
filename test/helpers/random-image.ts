// A one-layer image of fresh random bytes, pushed straight into a registry through its API (no engine):
// content no engine has seen, so a pull must fetch its layer. (Docker 28's containerd store keeps blobs
// after `docker image rm`, and other images share the stack's layers: neither refetches a known blob.)
import {randomBytes} from 'node:crypto'
import {gzipSync} from 'node:zlib'
import {sha256, TestRegistry} from './notation.js'

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

/** Pushes `repository:tag` with one layer of `size` random bytes; returns the layer's digest. */
export async function pushRandomImage(registry: string, repository: string, tag: string, size: number): Promise<{layer: string}> {
  const tar = tarOf('data/random.bin', randomBytes(size))
  const layer = gzipSync(tar, {level: 1})
  const config = Buffer.from(JSON.stringify({architecture: 'amd64', config: {}, os: 'linux', rootfs: {diff_ids: [sha256(tar)], type: 'layers'}}))
  const registryApi = new TestRegistry(registry)
  const [layerDigest, configDigest] = [await registryApi.pushBlob(repository, layer), await registryApi.pushBlob(repository, config)]
  const manifest = {
    config: {digest: configDigest, mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length},
    layers: [{digest: layerDigest, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length}],
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    schemaVersion: 2,
  }
  await registryApi.pushManifest(repository, tag, manifest, manifest.mediaType)
  return {layer: layerDigest}
}
