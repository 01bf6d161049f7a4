// What every verification check of a pull is (cosign by a signature policy, notation by its trust
// policy, and whatever comes next): one interface, so the plan holds a list of checks rather than a
// branch per mechanism. The check modules import this one; none of them imports another.
import type {ImageReference} from '../reference/parse.js'
import type {Manifest, RegistryClient} from '../registry/client.js'
import type {LevelName} from '../notation/trust-policy.js'
import type {CosignVerification} from '../signature/cosign-flags.js'
import type {SignatureVerdict} from '../signature/verify.js'

/** What --json says about an image's notation check (the fields cosign's verdict has, where they fit). */
export interface NotationVerification {
  check: 'notation'
  reference: string
  digest: string
  /** True when a signature passed the statement's enforced validations; false when the level is skip. */
  verified: boolean
  /** The trust policy file. */
  policy: string
  /** The trust policy statement that applied. */
  scope: string
  level: LevelName
  /** The signing certificate's subject and the signature manifest's digest, when verified. */
  signer?: string
  signature?: string
  /** What the level logged instead of refusing. */
  warnings: string[]
}

/** What --json says about one image and one check. */
export type ImageVerification = CosignVerification | NotationVerification | SignatureVerdict

export interface CheckInput {
  client: RegistryClient
  /** The image as asked for (its tag or digest). */
  intended: ImageReference
  /** The manifest the name resolves to, which the engine will pull: fetched once, whatever the checks. */
  manifest: () => Promise<Manifest>
}

/** One kind of signature check. */
export interface ImageCheck {
  /** What a refusal line ends with, in parentheses: `signature policy FILE`. */
  source: string
  /** The refusal's wording after `not pulled: `, when not `reason (source)`. */
  refusal?: (reason: string) => string
  /** The verdict, and whether the image must be pulled by the checked digest; throws SignatureRefusal. */
  verify(input: CheckInput): Promise<{verdict: ImageVerification; pinned: boolean}>
}
