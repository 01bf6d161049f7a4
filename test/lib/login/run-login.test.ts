import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {loginCommandFor, loginKey} from '../../../src/lib/login/run-login.js'

describe('loginKey', () => {
  it('stores Docker Hub under its v1 URL, whichever way it is named', () => {
    for (const server of [undefined, '', 'docker.io', 'index.docker.io', 'https://index.docker.io/v1/', 'registry-1.docker.io']) {
      assert.equal(loginKey(server), 'https://index.docker.io/v1/', String(server))
    }
  })

  it('stores any other registry under its bare host[:port], as docker normalises it', () => {
    assert.equal(loginKey('http://127.0.0.1:5001/v2/'), '127.0.0.1:5001')
    assert.equal(loginKey('https://registry.example.com'), 'registry.example.com')
    assert.equal(loginKey('localhost:5000'), 'localhost:5000')
  })
})

describe('loginCommandFor', () => {
  it('names the registry except for Docker Hub', () => {
    assert.equal(loginCommandFor('https://index.docker.io/v1/', 'dkr'), 'dkr login')
    assert.equal(loginCommandFor('127.0.0.1:5001', 'dkr'), 'dkr login 127.0.0.1:5001')
  })
})
