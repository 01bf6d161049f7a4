// Step 4 with notation's trust policy: one of the plan's checks (image-check.ts); signed-pull.ts resolves
// the tag and the image is pulled by digest. The registry client becomes the library's ReferrerSource,
// the Notary signatures of the resolved manifest are collected and verified; a refusal is a
// SignatureRefusal, and what permissive and audit levels log goes to stderr, one WARNING line each.
import type {Cli} from '../cli/context.js'
import {DkrError} from '../errors.js'
import {tookCodePath} from '../io/code-paths.js'
import {familiarString, fullName, referenceString} from '../reference/format.js'
import type {RegistryClient} from '../registry/client.js'
import type {ImageCheck} from './image-check.js'
import {SignatureRefusal} from '../signature/verify.js'
import {notationConfigDir, type NotationConfig} from '../notation/config.js'
import {collectNotarySignatures, type ReferrerSource} from '../notation/signature-manifest.js'
import {verifyNotation} from '../notation/verify.js'

/** The --notation-config value (or the notationConfig preference) as a directory: `default` is notation's own. */
export function notationConfigSetting(value: string, env: NodeJS.ProcessEnv): string {
  if (value === '') throw new DkrError('--notation-config: expected a notation configuration directory, or default')
  return value === 'default' ? notationConfigDir(env, env.HOME || undefined) : value
}

/** The registry client, for one repository, as collectNotarySignatures reads it. */
function referrerSource(client: RegistryClient, repository: string): ReferrerSource {
  return {
    blob: async (digest, size) => client.blob(repository, {digest, mediaType: '', size}),
    manifest: async (digest) => (await client.resolve(repository, digest)).bytes,
    referrers: async (digest) => client.referrersOrTagSchema(repository, digest),
  }
}

export function notationCheck(cli: Cli, config: NotationConfig): ImageCheck {
  tookCodePath('notation')
  return {
    source: `notation trust policy ${config.policy.file}`,
    async verify({client, intended, manifest}) {
      const resolved = await manifest()
      const target = {digest: resolved.digest, mediaType: resolved.mediaType.split(';')[0].trim(), size: resolved.bytes.length}
      const signatures = await collectNotarySignatures(referrerSource(client, intended.path), resolved.digest)
      const verdict = verifyNotation({config, repository: fullName(intended), signatures, target})
      if (verdict.outcome === 'refused') throw new SignatureRefusal(`notation: ${verdict.reason}`)
      for (const warning of verdict.warnings) cli.streams.err.write(`WARNING: ${familiarString(intended)}: notation: ${warning}\n`)
      const verified = verdict.outcome === 'verified'
      return {
        pinned: verified,
        verdict: {
          check: 'notation',
          digest: resolved.digest,
          level: verdict.level,
          policy: config.policy.file,
          reference: referenceString(intended),
          scope: verdict.policy,
          verified,
          warnings: verdict.warnings,
          ...(verified ? {signature: verdict.signature, signer: verdict.signer} : {}),
        },
      }
    },
  }
}
