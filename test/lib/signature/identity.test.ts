// signedIdentity rules as containers/image applies them (the claims cosign writes are bare repositories).
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {parseNormalizedNamed} from '../../../src/lib/reference/parse.js'
import {identityMatches} from '../../../src/lib/signature/identity.js'
import type {IdentityRule} from '../../../src/lib/signature/policy.js'

const digest = `sha256:${'a'.repeat(64)}`
const match = (rule: IdentityRule, intended: string, claimed: string) => identityMatches(rule, parseNormalizedNamed(intended), claimed)

describe('signedIdentity', () => {
  it('matchRepoDigestOrExact: a tag needs the exact reference, a digest the repository; a bare claim never fits', () => {
    const rule = {type: 'matchRepoDigestOrExact'} as const
    assert.equal(match(rule, 'r.example/app:1', 'r.example/app:1'), true)
    assert.equal(match(rule, 'r.example/app:1', 'r.example/app:2'), false)
    assert.equal(match(rule, `r.example/app@${digest}`, 'r.example/app:2'), true)
    assert.equal(match(rule, `r.example/app@${digest}`, 'r.example/other:2'), false)
    assert.equal(match(rule, 'r.example/app:1', 'r.example/app'), false)
  })

  it('matchRepository compares repositories only, normalised', () => {
    const rule = {type: 'matchRepository'} as const
    assert.equal(match(rule, 'r.example/app:1', 'r.example/app'), true)
    assert.equal(match(rule, 'busybox:1', 'docker.io/library/busybox'), true)
    assert.equal(match(rule, 'r.example/app:1', 'r.example/copy'), false)
    assert.equal(match(rule, 'r.example/app:1', 'NOT A REFERENCE'), false)
  })

  it('exactRepository and exactReference name what the signature must claim', () => {
    assert.equal(match({dockerRepository: 'signer.example/app', type: 'exactRepository'}, 'mirror.example/app:1', 'signer.example/app'), true)
    assert.equal(match({dockerRepository: 'signer.example/app', type: 'exactRepository'}, 'mirror.example/app:1', 'mirror.example/app'), false)
    assert.equal(match({dockerReference: 'signer.example/app:1', type: 'exactReference'}, 'mirror.example/app:1', 'signer.example/app:1'), true)
    assert.equal(match({dockerReference: 'signer.example/app:1', type: 'exactReference'}, 'mirror.example/app:1', 'signer.example/app'), false)
  })

  it('remapIdentity rewrites the prefix, then applies matchRepoDigestOrExact', () => {
    const rule = {prefix: 'mirror.example/team', signedPrefix: 'origin.example/team', type: 'remapIdentity'} as const
    assert.equal(match(rule, 'mirror.example/team/app:1', 'origin.example/team/app:1'), true)
    assert.equal(match(rule, 'mirror.example/team/app:1', 'mirror.example/team/app:1'), false)
    assert.equal(match(rule, 'mirror.example/teamster/app:1', 'mirror.example/teamster/app:1'), true)
    assert.equal(match(rule, `mirror.example/team/app@${digest}`, 'origin.example/team/app:9'), true)
  })
})
