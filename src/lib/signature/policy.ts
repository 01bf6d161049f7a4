// containers-policy.json(5), the policy podman, skopeo, buildah and CRI-O read: a default requirement
// list and per-transport scopes; for the docker transport the most specific scope naming the image wins
// (repo:tag or repo@digest, the repository, each parent namespace, the registry, `*.domain` wildcards).
// dkr checks insecureAcceptAnything, reject and sigstoreSigned with public keys; every other requirement
// (signedBy GPG, Fulcio or PKI certificates, Rekor keys, an unknown type or field) is kept as
// "unsupported" and refuses any pull it applies to: verification fails closed, it never skips.
import {readFile} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'
import {DkrError} from '../errors.js'
import type {ImageReference} from '../reference/parse.js'
import {fullName} from '../reference/format.js'
import {loadPublicKey, type PublicKey} from './keys.js'
import {isJsonObject, shownJson, type JsonObject} from '../io/json.js'

export type IdentityRule =
  | {type: 'matchRepoDigestOrExact'}
  | {type: 'matchRepository'}
  | {type: 'exactReference'; dockerReference: string}
  | {type: 'exactRepository'; dockerRepository: string}
  | {type: 'remapIdentity'; prefix: string; signedPrefix: string}

export type Requirement =
  | {type: 'insecureAcceptAnything'}
  | {type: 'reject'}
  | {type: 'sigstoreSigned'; keys: PublicKey[]; signedIdentity: IdentityRule}
  | {type: 'unsupported'; what: string}

export interface ScopedRequirements {
  /** The scope that applied, as the policy writes it (`default` for the top-level list). */
  scope: string
  requirements: Requirement[]
}

export interface SignaturePolicy {
  path: string
  /** The requirements for an image pulled from a registry (the docker transport). */
  requirementsFor(ref: ImageReference): ScopedRequirements
}

class PolicyError extends Error {}

function expectString(object: JsonObject, field: string, where: string): string {
  const value = object[field]
  if (typeof value !== 'string' || value === '') throw new PolicyError(`${where}: "${field}" must be a non-empty string`)
  return value
}

/** Fields beyond `allowed` make a requirement one dkr does not understand, so it cannot be satisfied. */
function unknownField(object: JsonObject, allowed: readonly string[]): string | undefined {
  return Object.keys(object).find((key) => !allowed.includes(key))
}

function parseIdentity(value: unknown, where: string): IdentityRule {
  if (value === undefined) return {type: 'matchRepoDigestOrExact'}
  if (!isJsonObject(value)) throw new PolicyError(`${where}: signedIdentity must be an object`)
  const type = value.type
  switch (type) {
    case 'matchRepoDigestOrExact':
    case 'matchRepository':
      return {type}
    case 'exactReference':
      return {dockerReference: expectString(value, 'dockerReference', where), type}
    case 'exactRepository':
      return {dockerRepository: expectString(value, 'dockerRepository', where), type}
    case 'remapIdentity':
      return {prefix: expectString(value, 'prefix', where), signedPrefix: expectString(value, 'signedPrefix', where), type}
    default:
      throw new PolicyError(`${where}: unknown signedIdentity type ${shownJson(type)}`)
  }
}

const sigstoreFields = ['type', 'keyPath', 'keyPaths', 'keyData', 'signedIdentity']
const unsupportedSigstoreFields: Record<string, string> = {
  fulcio: 'sigstoreSigned with fulcio (certificate identities)',
  pki: 'sigstoreSigned with pki (certificate chains)',
  rekorPublicKeyData: 'sigstoreSigned with rekorPublicKeyData (transparency log)',
  rekorPublicKeyPath: 'sigstoreSigned with rekorPublicKeyPath (transparency log)',
  rekorPublicKeyPaths: 'sigstoreSigned with rekorPublicKeyPaths (transparency log)',
  rekorPublicKeyDatas: 'sigstoreSigned with rekorPublicKeyDatas (transparency log)',
}

async function parseSigstore(value: JsonObject, where: string, policyDir: string): Promise<Requirement> {
  const unsupported = Object.keys(value).find((key) => key in unsupportedSigstoreFields)
  if (unsupported) return {type: 'unsupported', what: unsupportedSigstoreFields[unsupported]}
  const unknown = unknownField(value, sigstoreFields)
  if (unknown) return {type: 'unsupported', what: `sigstoreSigned with unknown field "${unknown}"`}
  const given = ['keyPath', 'keyPaths', 'keyData'].filter((field) => value[field] !== undefined)
  if (given.length !== 1) throw new PolicyError(`${where}: sigstoreSigned needs exactly one of keyPath, keyPaths, keyData`)
  const keys: PublicKey[] = []
  const fromFile = async (path: unknown) => {
    if (typeof path !== 'string' || path === '') throw new PolicyError(`${where}: key paths must be non-empty strings`)
    const absolute = resolve(policyDir, path)
    let pem: Buffer
    try {
      pem = await readFile(absolute)
    } catch (error) {
      throw new PolicyError(`${where}: cannot read key ${absolute}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }

    keys.push(keyOrPolicyError(pem, absolute, where))
  }

  if (value.keyPath !== undefined) await fromFile(value.keyPath)
  if (value.keyPaths !== undefined) {
    if (!Array.isArray(value.keyPaths) || value.keyPaths.length === 0) throw new PolicyError(`${where}: keyPaths must be a non-empty list`)
    for (const path of value.keyPaths) await fromFile(path)
  }

  if (value.keyData !== undefined) {
    if (typeof value.keyData !== 'string' || value.keyData === '') throw new PolicyError(`${where}: keyData must be base64 text`)
    keys.push(keyOrPolicyError(Buffer.from(value.keyData, 'base64'), 'keyData', where))
  }

  return {keys, signedIdentity: parseIdentity(value.signedIdentity, where), type: 'sigstoreSigned'}
}

function keyOrPolicyError(pem: Buffer, label: string, where: string): PublicKey {
  try {
    return loadPublicKey(pem, label)
  } catch (error) {
    throw new PolicyError(`${where}: ${label}: ${(error as Error).message}`)
  }
}

async function parseRequirement(value: unknown, where: string, policyDir: string): Promise<Requirement> {
  if (!isJsonObject(value)) throw new PolicyError(`${where}: a requirement must be an object`)
  switch (value.type) {
    case 'insecureAcceptAnything':
    case 'reject': {
      const unknown = unknownField(value, ['type'])
      return unknown ? {type: 'unsupported', what: `${value.type} with unknown field "${unknown}"`} : {type: value.type}
    }

    case 'sigstoreSigned':
      return parseSigstore(value, where, policyDir)
    case 'signedBy':
      return {type: 'unsupported', what: 'signedBy (GPG signatures)'}
    default:
      return {type: 'unsupported', what: typeof value.type === 'string' ? `requirement type "${value.type}"` : 'a requirement without a type'}
  }
}

async function parseRequirements(value: unknown, where: string, policyDir: string): Promise<Requirement[]> {
  if (!Array.isArray(value)) throw new PolicyError(`${where}: must be a list of requirements`)
  if (value.length === 0) throw new PolicyError(`${where}: an empty requirement list is not allowed (use insecureAcceptAnything)`)
  return Promise.all(value.map((requirement, i) => parseRequirement(requirement, `${where}[${i}]`, policyDir)))
}

/** A docker transport scope: `host[:port][/path…][:tag|@digest]`, or a `*.domain` wildcard. */
const scopePattern = /^(\*\.[a-z0-9.-]+|([a-z0-9.-]+|\[[0-9a-f:]+\])(:\d+)?(\/[a-z0-9._-]+)*(:\w[\w.-]{0,127}|@sha256:[0-9a-f]{64})?)$/

function checkScope(scope: string): void {
  if (scope !== '' && !scopePattern.test(scope)) throw new PolicyError(`transports.docker: invalid scope "${scope}"`)
}

/** Scopes to look up for a reference, most specific first (containers/image's docker policy configuration namespaces). */
export function scopesFor(ref: ImageReference): string[] {
  const name = fullName(ref)
  const scopes: string[] = []
  if (ref.digest) scopes.push(`${name}@${ref.digest}`)
  else if (ref.tag) scopes.push(`${name}:${ref.tag}`)
  const parts = name.split('/')
  for (let i = parts.length; i >= 1; i--) scopes.push(parts.slice(0, i).join('/'))
  const host = parts[0].replace(/:\d+$/, '')
  if (!host.startsWith('[')) {
    const labels = host.split('.')
    for (let i = 1; i < labels.length; i++) scopes.push(`*.${labels.slice(i).join('.')}`)
  }

  return scopes
}

export async function parsePolicy(text: string, path: string): Promise<SignaturePolicy> {
  try {
    let document: unknown
    try {
      document = JSON.parse(text)
    } catch (error) {
      throw new PolicyError(`not JSON: ${(error as Error).message}`)
    }

    if (!isJsonObject(document)) throw new PolicyError('must be a JSON object')
    const unknown = unknownField(document, ['default', 'transports'])
    if (unknown) throw new PolicyError(`unknown field "${unknown}"`)
    if (document.default === undefined) throw new PolicyError('"default" is missing')
    const policyDir = dirname(path)
    const fallback = await parseRequirements(document.default, 'default', policyDir)
    const docker = new Map<string, Requirement[]>()
    if (document.transports !== undefined) {
      if (!isJsonObject(document.transports)) throw new PolicyError('"transports" must be an object')
      for (const [transport, scopes] of Object.entries(document.transports)) {
        if (!isJsonObject(scopes)) throw new PolicyError(`transports.${transport} must be an object of scopes`)
        // Only the docker transport (registries) is what dkr pulls from; others are left to their tools.
        if (transport !== 'docker') continue
        for (const [scope, requirements] of Object.entries(scopes)) {
          checkScope(scope)
          docker.set(scope, await parseRequirements(requirements, `transports.docker["${scope}"]`, policyDir))
        }
      }
    }

    return {
      path,
      requirementsFor(ref) {
        for (const scope of scopesFor(ref)) {
          const found = docker.get(scope)
          if (found) return {requirements: found, scope}
        }

        const transportDefault = docker.get('')
        return transportDefault ? {requirements: transportDefault, scope: 'transports.docker[""]'} : {requirements: fallback, scope: 'default'}
      },
    }
  } catch (error) {
    if (error instanceof PolicyError) throw new DkrError(`invalid signature policy ${path}: ${error.message}`)
    throw error
  }
}

/** Reads and parses a policy file; a missing or bad file is one line naming it and the problem. */
export async function loadPolicy(path: string): Promise<SignaturePolicy> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new DkrError(`invalid signature policy ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`)
  }

  return parsePolicy(text, path)
}
