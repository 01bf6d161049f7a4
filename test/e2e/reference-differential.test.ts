// dkr and the docker CLI, given the same names, must send the engine the same request and print the
// same thing: a differential test over a corpus of valid, invalid and odd names.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {baseEnv, dkr, docker} from '../helpers/run.js'
import {FakeEngine} from '../helpers/fake-engine.js'

const hex = (n: number) => '0123456789abcdef'.repeat(8).slice(0, n)
const sha256 = `sha256:${hex(64)}`

function corpus(): string[] {
  const names = new Set<string>([
    'nginx', 'nginx:latest', 'nginx:1.25-alpine', 'library/nginx', 'docker.io/nginx', 'docker.io/library/nginx:1',
    'index.docker.io/nginx', 'index.docker.io/library/nginx:2', 'someorg/tool:v1', 'a/b/c/d', 'docker.io/library/a/b',
    'localhost/foo', 'localhost:5000/foo', 'localhost:5000/demo/app:1.0', '127.0.0.1:5000/app', '127.0.0.1/app:tag',
    '[::1]:5000/app:1', '[::1]/app', '[2001:db8::1]:443/x/y', '[fe80::1%eth0]:5000/app', 'registry.example.com/a',
    'registry.example.com:5000/a/b:c', 'my-registry:5000/x', 'my_registry:5000/x', 'UPPER/case', 'Upper/Case', 'Ubuntu',
    'ubuntu:Tag', 'localhost:5000/Demo/app', 'foo_bar', 'foo__bar', 'foo___bar', 'foo-bar', 'foo--bar', 'foo.bar', 'foo..bar',
    'foo._bar', '-foo', 'foo-', 'foo/', '/foo', 'foo//bar', ':foo', 'foo:', 'foo::bar', 'foo:bar:baz', 'foo@', '@sha256:' + hex(64),
    `app@${sha256}`, `app:1.0@${sha256}`, `localhost:5000/app:1.0@${sha256}`, `app@sha256:${hex(63)}`, `app@sha256:${hex(65)}`,
    `app@sha256:${hex(31)}`, `app@sha256:${hex(32)}`, `app@sha384:${hex(96)}`, `app@sha384:${hex(64)}`, `app@sha512:${hex(128)}`,
    `app@sha512:${hex(64)}`, `app@md5:${hex(32)}`, `app@SHA256:${hex(64)}`, `app@sha256:${hex(64).toUpperCase()}`, `app@sha256+b64:${hex(64)}`,
    hex(64), hex(63), hex(65), `sha256:${hex(64)}`, `${hex(64)}:tag`, `x/${hex(64)}`, 'a', 'a:b', '1', '1:1', '0x/y', 'a.b.c/d',
    'a-b.c-d:1234/e', 'a.b.c:/d', 'a.b.c:abc/d', 'a.b.c:99999/d', '-a.b/c', 'a-.b/c', 'a..b/c', 'example.com./x', 'xn--bcher-kva.example/x',
    'app:' + 't'.repeat(128), 'app:' + 't'.repeat(129), 'app:_tag', 'app:.tag', 'app:-tag', 'app:t.a-g_1', 'app:tag!',
    'app tag', ' app', 'app ', 'app\ttag', 'ap$p', 'app#1', 'app?x', 'äpp', 'app/ünï', 'localhost', 'localhost:5000', 'LOCALHOST/app',
    'Localhost:5000/app', 'docker.io', 'docker.io/', 'docker.io/UPPER', 'DOCKER.IO/app', 'index.docker.io', 'a/' + 'b'.repeat(253),
    'a/' + 'b'.repeat(254), 'b'.repeat(255), 'b'.repeat(256), 'docker.io/library/' + 'b'.repeat(240), 'example.com/' + 'b'.repeat(250),
    'example.com/a/' + 'b'.repeat(252), 'r.example.com/' + 'c/'.repeat(40) + 'd', 'a/b:c@' + sha256, 'a/b@' + sha256 + ':c',
  ])
  // Systematic combinations: hosts × paths × suffixes (each of the forms above; every pair costs two
  // process starts, so the grid is kept to what it adds).
  const hosts = ['', 'localhost:5000/', '10.1.2.3:80/', '[::1]:5000/', 'index.docker.io/', 'Bad_Host/']
  const paths = ['app', 'ns/sub/app', 'App', 'a.b_c-d', 'a__b', 'a/-b']
  const suffixes = ['', `:v1@${sha256}`, ':', ':V1.0_rc']
  for (const host of hosts) for (const path of paths) for (const suffix of suffixes) names.add(host + path + suffix)
  return [...names]
}

describe('dkr parses and normalises names exactly as the docker CLI does', () => {
  const names = corpus()
  const engines = [new FakeEngine(), new FakeEngine(), new FakeEngine()]
  const mismatches: string[] = []
  let pulled = 0
  let refused = 0

  before(async () => {
    await Promise.all(engines.map((engine) => engine.start()))
  })
  after(async () => {
    await Promise.all(engines.map((engine) => engine.stop()))
  })

  it(`agrees on requests, stdout, stderr and exit status for ${names.length} names`, async () => {
    assert.ok(names.length >= 150, `corpus has ${names.length} names`)
    let next = 0
    await Promise.all(engines.map(async (engine) => {
      while (next < names.length) {
        const name = names[next++]
        const env = baseEnv({DOCKER_HOST: engine.host})
        engine.pulls.length = 0
        const theirs = await docker(['pull', '-q', '--', name], {env})
        const theirPulls = [...engine.pulls]
        engine.pulls.length = 0
        const ours = await dkr(['pull', '-q', '--', name], {env})
        const ourPulls = [...engine.pulls]
        const them = {code: theirs.code, pulls: theirPulls, stderr: theirs.stderr, stdout: theirs.stdout}
        const us = {code: ours.code, pulls: ourPulls, stderr: ours.stderr, stdout: ours.stdout}
        if (theirPulls.length > 0) pulled += 1
        else refused += 1
        try {
          assert.deepEqual(us, them)
        } catch {
          mismatches.push(`${JSON.stringify(name)}\n  docker: ${JSON.stringify(them)}\n  dkr:    ${JSON.stringify(us)}`)
        }
      }
    }))
    assert.deepEqual(mismatches, [], mismatches.join('\n'))
    // The corpus exercises both sides: names that reach the engine and names refused up front.
    assert.ok(pulled >= 60 && refused >= 60, `pulled ${pulled}, refused ${refused}`)
  })
})
