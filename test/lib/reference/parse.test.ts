import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {apiTag, familiarName, familiarString, fullName, referenceString, withDefaultTag} from '../../../src/lib/reference/format.js'
import {parseNormalizedNamed, parseReference} from '../../../src/lib/reference/parse.js'

const hex64 = 'a'.repeat(64)
const digest = `sha256:${'0123456789abcdef'.repeat(4)}`

describe('parseNormalizedNamed normalises names as docker does', () => {
  const cases: [input: string, normalised: string, familiar: string][] = [
    ['nginx', 'docker.io/library/nginx', 'nginx'],
    ['nginx:1.25', 'docker.io/library/nginx:1.25', 'nginx:1.25'],
    ['library/nginx', 'docker.io/library/nginx', 'nginx'],
    ['docker.io/nginx', 'docker.io/library/nginx', 'nginx'],
    ['index.docker.io/nginx', 'docker.io/library/nginx', 'nginx'],
    ['index.docker.io/library/nginx:1', 'docker.io/library/nginx:1', 'nginx:1'],
    ['someorg/tool:v1', 'docker.io/someorg/tool:v1', 'someorg/tool:v1'],
    ['docker.io/library/a/b', 'docker.io/library/a/b', 'library/a/b'],
    ['localhost/foo', 'localhost/foo', 'localhost/foo'],
    ['localhost:5000/demo/app:1.0', 'localhost:5000/demo/app:1.0', 'localhost:5000/demo/app:1.0'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000/app', '127.0.0.1:5000/app'],
    ['[::1]:5000/app:1', '[::1]:5000/app:1', '[::1]:5000/app:1'],
    ['[2001:db8::1]/app', '[2001:db8::1]/app', '[2001:db8::1]/app'],
    ['registry.example.com/a/b/c', 'registry.example.com/a/b/c', 'registry.example.com/a/b/c'],
    ['my-registry:5000/x', 'my-registry:5000/x', 'my-registry:5000/x'],
    ['UPPER/case', 'UPPER/case', 'UPPER/case'],
    ['foo_bar', 'docker.io/library/foo_bar', 'foo_bar'],
    ['foo__bar', 'docker.io/library/foo__bar', 'foo__bar'],
    ['foo---bar', 'docker.io/library/foo---bar', 'foo---bar'],
    ['foo.bar', 'docker.io/library/foo.bar', 'foo.bar'],
    [`sha256:${hex64}`, `docker.io/library/sha256:${hex64}`, `sha256:${hex64}`],
    [`app@${digest}`, `docker.io/library/app@${digest}`, `app@${digest}`],
    [`localhost:5000/app:1.0@${digest}`, `localhost:5000/app:1.0@${digest}`, `localhost:5000/app:1.0@${digest}`],
    [`app:${'t'.repeat(128)}`, `docker.io/library/app:${'t'.repeat(128)}`, `app:${'t'.repeat(128)}`],
  ]
  for (const [input, normalised, familiar] of cases) {
    it(`${input} → ${normalised}`, () => {
      const ref = parseNormalizedNamed(input)
      assert.equal(referenceString(ref), normalised)
      assert.equal(familiarString(ref), familiar)
    })
  }
})

describe('parseNormalizedNamed refuses bad names with docker\'s words', () => {
  const cases: [input: string, message: string][] = [
    ['', 'invalid reference format'],
    ['Ubuntu', 'invalid reference format: repository name (library/Ubuntu) must be lowercase'],
    ['localhost:5000/Demo/app:1.0', 'invalid reference format: repository name (Demo/app) must be lowercase'],
    ['x@sha256:bad', 'invalid reference format'],
    [':foo', 'invalid reference format'],
    ['foo:', 'invalid reference format'],
    ['foo//bar', 'invalid reference format'],
    ['foo___bar', 'invalid reference format'],
    ['foo..bar', 'invalid reference format'],
    ['-foo', 'invalid reference format'],
    ['foo-', 'invalid reference format'],
    ['foo/', 'invalid reference format'],
    ['/foo', 'invalid reference format'],
    [`app:${'t'.repeat(129)}`, 'invalid reference format'],
    ['app:-tag', 'invalid reference format'],
    [`x@sha512:${hex64}`, 'invalid checksum digest length'],
    [`x@sha256:${'a'.repeat(63)}`, 'invalid checksum digest length'],
    [`x@sha256:${'a'.repeat(31)}`, 'invalid reference format'],
    [`x@sha256:${'a'.repeat(65)}`, 'invalid checksum digest length'],
    [`x@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm'],
    [`x@sha256:${'A'.repeat(64)}`, 'invalid checksum digest format'],
    [hex64, `invalid repository name (${hex64}), cannot specify 64-byte hexadecimal strings`],
    [`a/${'b'.repeat(254)}`, 'repository name must not be more than 255 characters'],
    ['app@', 'invalid reference format'],
    ['[fe80::1%eth0]:5000/app', 'invalid reference format'],
  ]
  for (const [input, message] of cases) {
    it(JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input), () => {
      assert.throws(() => parseNormalizedNamed(input), {message})
    })
  }
})

describe('parseReference is the grammar alone', () => {
  it('keeps an upper-case domain and reports an upper-case path', () => {
    assert.equal(parseReference('EXAMPLE.com/app').domain, 'EXAMPLE.com')
    assert.throws(() => parseReference('example.com/App'), {message: 'repository name must be lowercase'})
  })

  it('takes the first of several components as the domain, as Go\'s regexp does', () => {
    assert.deepEqual(parseReference('a/b:c'), {digest: undefined, domain: 'a', path: 'b', tag: 'c'})
    assert.deepEqual(parseReference('b:c'), {digest: undefined, domain: '', path: 'b', tag: 'c'})
  })
})

describe('what a pull sends and prints', () => {
  it('adds latest to a bare name only', () => {
    assert.equal(referenceString(withDefaultTag(parseNormalizedNamed('nginx'))), 'docker.io/library/nginx:latest')
    assert.equal(referenceString(withDefaultTag(parseNormalizedNamed(`nginx@${digest}`))), `docker.io/library/nginx@${digest}`)
  })

  it('sends the digest as the tag when there is one, even with a tag', () => {
    const ref = parseNormalizedNamed(`localhost:5000/app:1.0@${digest}`)
    assert.equal(fullName(ref), 'localhost:5000/app')
    assert.equal(apiTag(ref), digest)
    assert.equal(apiTag(parseNormalizedNamed('app:2')), '2')
    assert.equal(apiTag(parseNormalizedNamed('app')), 'latest')
  })

  it('familiar names strip docker.io and library only for one-level official names', () => {
    assert.equal(familiarName(parseNormalizedNamed('docker.io/library/nginx')), 'nginx')
    assert.equal(familiarName(parseNormalizedNamed('docker.io/user/repo')), 'user/repo')
  })
})
