// cosign's own verification flags on a pull, with `cosign verify`'s meaning: --key FILE, or a keyless
// identity (--certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp], each exactly one of
// the pair), trusted through --trusted-root FILE (else Sigstore's public-good root through TUF,
// public-good.ts); a transparency log entry is required unless --insecure-ignore-tlog, an SCT in the
// certificate unless --insecure-ignore-sct. A keyless signature is dated as cosign dates it (pkg/cosign/
// verify.go): by the log entry's integrated time, by an RFC 3161 timestamp with --use-signed-timestamps
// (the only way to date a Rekor v2 entry), or at the current time with --insecure-ignore-tlog alone.
// Every image must carry one cosign signature, in either format, that cosign would accept with the same
// flags, for the digest being pulled.
import {readFile} from 'node:fs/promises'
import {toTrustMaterial} from '@sigstore/verify'
import {DkrError} from '../errors.js'
import {referenceString} from '../reference/format.js'
import type {ImageReference} from '../reference/parse.js'
import type {RegistryClient} from '../registry/client.js'
import {findSignatures} from './cosign.js'
import {loadPublicKey} from './keys.js'
import {compileRegexp, describeMatch, verifySigstore, type Match, type SigstoreRules, type TrustRoots} from './sigstore.js'
import {publicGoodRoot} from './public-good.js'
import {loadTrustedRoot} from './trusted-root.js'
import {describeSigner, firstAccepted, sigstoreAttempt, type VerifiedSignature} from './verify.js'

export interface CosignFlags {
  key?: string
  certificateIdentity?: string
  certificateIdentityRegexp?: string
  certificateOidcIssuer?: string
  certificateOidcIssuerRegexp?: string
  /** --trusted-root, or the trustedRoot preference. */
  trustedRoot?: string
  insecureIgnoreTlog?: boolean
  insecureIgnoreSct?: boolean
  /** cosign's --use-signed-timestamps: an RFC 3161 timestamp by an authority of the root dates the signature. */
  useSignedTimestamps?: boolean
}

/** The flags checked and ready: the sigstore rules and how the requirement reads in --json. */
export interface CosignRequirement {
  rules: SigstoreRules
  requirement: string
}

/** What --json says about an image the flags verified. */
export interface CosignVerification {
  check: 'cosign'
  reference: string
  digest: string
  verified: true
  /** The flags' requirement: `key FILE`, or `identity … issuer …`. */
  requirement: string
  signatures: VerifiedSignature[]
}

/** Whether any of cosign's verification flags is given (then every image must be signed). */
export function cosignFlagsGiven(flags: CosignFlags): boolean {
  return flags.key !== undefined || flags.certificateIdentity !== undefined || flags.certificateIdentityRegexp !== undefined || flags.certificateOidcIssuer !== undefined || flags.certificateOidcIssuerRegexp !== undefined
}

function oneOf(exact: string | undefined, regexp: string | undefined, names: [string, string]): Match | undefined {
  if (exact !== undefined && regexp !== undefined) throw new DkrError(`${names[0]} and ${names[1]} cannot be used together`)
  if (exact !== undefined) {
    if (exact === '') throw new DkrError(`${names[0]}: expected a value`)
    return {exact}
  }

  if (regexp === undefined) return undefined
  try {
    return {regexp: compileRegexp(regexp, names[1])}
  } catch (error) {
    throw new DkrError((error as Error).message)
  }
}

const noTrust: TrustRoots = {certificateAuthorities: [], ctlogs: [], timestampAuthorities: [], tlogs: []}

/** Reads the trusted root named by the flags; one line naming the file when it cannot be used. */
export async function trustFromFile(path: string): Promise<TrustRoots> {
  try {
    return toTrustMaterial(await loadTrustedRoot(path))
  } catch (error) {
    throw new DkrError((error as Error).message)
  }
}

/** The flags' trusted root: the file given, else the public-good one through TUF; one line when it cannot be used. */
async function trustOf(flags: CosignFlags, env: NodeJS.ProcessEnv): Promise<TrustRoots> {
  if (flags.trustedRoot !== undefined) return trustFromFile(flags.trustedRoot)
  const root = await publicGoodRoot(env)
  try {
    return toTrustMaterial(root)
  } catch (error) {
    // A root TUF vouched for whose keys sigstore cannot decode: refused like a bad --trusted-root file.
    throw new DkrError(`invalid trusted root from TUF: ${(error as Error).message}`, {cause: error})
  }
}

/** Checks the flag combination as cosign does and loads the key and trusted root; bad input is one DkrError line. */
export async function cosignRequirement(flags: CosignFlags, env: NodeJS.ProcessEnv): Promise<CosignRequirement> {
  const san = oneOf(flags.certificateIdentity, flags.certificateIdentityRegexp, ['--certificate-identity', '--certificate-identity-regexp'])
  const issuer = oneOf(flags.certificateOidcIssuer, flags.certificateOidcIssuerRegexp, ['--certificate-oidc-issuer', '--certificate-oidc-issuer-regexp'])
  const requireTlog = !flags.insecureIgnoreTlog
  if (flags.key !== undefined) {
    if (san || issuer) throw new DkrError('--key cannot be used with --certificate-identity or --certificate-oidc-issuer: a key signature has no certificate')
    let pem: Buffer
    try {
      pem = await readFile(flags.key)
    } catch (error) {
      throw new DkrError(`--key ${flags.key}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`)
    }

    let key
    try {
      key = loadPublicKey(pem, flags.key)
    } catch (error) {
      throw new DkrError(`--key ${flags.key}: ${(error as Error).message}`)
    }

    // A key signature needs the trusted root only for its log entry or its timestamp.
    const trust = requireTlog || flags.useSignedTimestamps ? await trustOf(flags, env) : noTrust
    return {requirement: `key ${flags.key}`, rules: {keys: [key], requireSct: false, requireTlog, signingTime: flags.useSignedTimestamps ? 'timestamp' : undefined, trust}}
  }

  if (!san) throw new DkrError('keyless verification needs --certificate-identity or --certificate-identity-regexp')
  if (!issuer) throw new DkrError('keyless verification needs --certificate-oidc-issuer or --certificate-oidc-issuer-regexp')
  const trust = await trustOf(flags, env)
  // cosign requires an SCT in every certificate unless --insecure-ignore-sct (measured: even with a root
  // that lists no CT log, "only able to verify 0 SCT entries"); with it, cosign and sigstore-go look at
  // no SCT (measured: both accept a certificate whose SCT another key signed).
  const signingTime = flags.useSignedTimestamps ? 'timestamp' : requireTlog ? 'log' : 'now'
  return {requirement: `identity ${describeMatch(san)} issuer ${describeMatch(issuer)}`, rules: {identity: {issuer, san}, ignoreSct: flags.insecureIgnoreSct === true, requireSct: !flags.insecureIgnoreSct, requireTlog, signingTime, trust}}
}

/** The flags' verdict on one image: one signature cosign would accept, for the digest; throws SignatureRefusal. */
export async function verifyWithFlags(input: {client: RegistryClient; intended: ImageReference; digest: string; requirement: CosignRequirement}): Promise<CosignVerification> {
  const {client, intended, digest, requirement} = input
  const found = await findSignatures(client, intended.path, digest)
  const signer = firstAccepted(found, (candidate) => sigstoreAttempt(verifySigstore(candidate, digest, requirement.rules)))
  const keyType = requirement.rules.keys?.[0]?.kind
  return {check: 'cosign', digest, reference: referenceString(intended), requirement: requirement.requirement, signatures: [describeSigner(signer, keyType)], verified: true}
}
