// Content trust's refusal lines: docker's wording, and for Docker Hub's retired Notary a pointer to what
// replaces it (issue 26, item 8). The unreachable-server path itself is proven by test/e2e/trust.test.ts.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {trustFailureLine} from '../../../src/lib/pull/trusted-pull.js'
import {TrustError} from '../../../src/lib/trust/errors.js'

describe('content trust failure lines', () => {
  const unreachable = new TrustError('network', 'notary.docker.io: getaddrinfo ENOTFOUND notary.docker.io')

  it("say Docker Hub's Notary was retired when it cannot be reached, and point to signature policies", () => {
    assert.equal(
      trustFailureLine(unreachable, 'docker.io/library/busybox', 'https://notary.docker.io'),
      "Error: error contacting notary server: notary.docker.io: getaddrinfo ENOTFOUND notary.docker.io: Docker Hub's Notary (notary.docker.io) was retired on 2026-12-08; verify Docker Hub images with a signature policy (--signature-policy) or cosign's flags (--certificate-identity, --key) instead of content trust",
    )
  })

  it('keep docker\'s line for a private Notary server, and for failures other than reaching it', () => {
    assert.equal(trustFailureLine(unreachable, 'r.example/app', 'https://notary.example'), 'Error: error contacting notary server: notary.docker.io: getaddrinfo ENOTFOUND notary.docker.io')
    assert.equal(trustFailureLine(new TrustError('no-target', 'No valid trust data for 1.0'), 'docker.io/library/busybox', 'https://notary.docker.io'), 'No valid trust data for 1.0')
  })
})
