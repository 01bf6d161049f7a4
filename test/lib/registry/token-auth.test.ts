// Token answers the www-authenticate fuzz target sent (test/fuzz/targets.ts).
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {RegistryError} from '../../../src/lib/registry/http.js'
import {TokenAuth} from '../../../src/lib/registry/token-auth.js'

const challenge = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"'

function answering(body: string) {
  return new TokenAuth({password: 'p', serveraddress: 'x', username: 'u'}, async () => ({body: Buffer.from(body), headers: {}, status: 200}))
}

describe('a token server answering garbage', () => {
  it('refuses JSON that is no object (null was a TypeError)', async () => {
    for (const body of ['null', '5', '"token"']) {
      await assert.rejects(answering(body).answer(challenge, 'repository:a:pull'), (error: unknown) => error instanceof RegistryError && error.message === 'token server https://auth.docker.io: no token in its answer')
    }
  })
})
