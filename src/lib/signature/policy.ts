// containers-policy.json(5), the policy podman, skopeo, buildah and CRI-O read: a default requirement
// list and per-transport scopes; for the docker transport the most specific scope naming the image wins
// (repo:tag or repo@digest, the repository, each parent namespace, the registry, `*.domain` wildcards).
// dkr checks insecureAcceptAnything, reject and sigstoreSigned with public keys, Fulcio certificates and
// Rekor keys and PKI certificates, with containers/image's exact rules (policy_config_sigstore.go):
// exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, pki; at most one Rekor key field, required
// with fulcio and forbidden with pki; unknown fields are errors. Other requirements (signedBy GPG, an
// unknown type) are kept as "unsupported" and refuse any pull they apply to: verification fails closed.
import {readFile} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'
import {DkrError} from '../errors.js'
import type {ImageReference} from '../reference/parse.js'
import {fullName} from '../reference/format.js'
import {loadPublicKey, type PublicKey} from './keys.js'
import {pemCertificates, type PkiTrust} from './pki.js'
import {parseCertificates} from './sigstore.js'
import type {X509Certificate} from '@sigstore/core'
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
  | {type: 'sigstoreSigned'; keys: PublicKey[]; signedIdentity: IdentityRule; fulcio?: FulcioTrust; rekorKeys?: PublicKey[]; pki?: PkiTrust}
  | {type: 'unsupported'; what: string}

/** containers/image's `fulcio`: certificates from these CAs, for this email and OIDC issuer. */
export interface FulcioTrust {
  caCertificates: X509Certificate[]
  oidcIssuer: string
  subjectEmail: string
}

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

const keySources = ['keyPath', 'keyPaths', 'keyData', 'keyDatas', 'fulcio', 'pki']
const rekorSources = ['rekorPublicKeyPath', 'rekorPublicKeyPaths', 'rekorPublicKeyData', 'rekorPublicKeyDatas']
const sigstoreFields = ['type', 'signedIdentity', ...keySources, ...rekorSources]
const fulcioFields = ['caPath', 'caData', 'oidcIssuer', 'subjectEmail']
const pkiFields = ['caRootsPath', 'caRootsData', 'caIntermediatesPath', 'caIntermediatesData', 'subjectEmail', 'subjectHostname']

/** Reads `path` relative to the policy's directory; a PolicyError names it when it cannot. */
async function readRelative(path: unknown, policyDir: string, where: string, what: string): Promise<{bytes: Buffer; absolute: string}> {
  if (typeof path !== 'string' || path === '') throw new PolicyError(`${where}: ${what} paths must be non-empty strings`)
  const absolute = resolve(policyDir, path)
  try {
    return {absolute, bytes: await readFile(absolute)}
  } catch (error) {
    throw new PolicyError(`${where}: cannot read ${what} ${absolute}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
}

function base64Field(value: unknown, where: string, field: string): Buffer {
  if (typeof value !== 'string' || value === '') throw new PolicyError(`${where}: ${field} must be base64 text`)
  return Buffer.from(value, 'base64')
}

function nonEmptyList(value: unknown, where: string, field: string): unknown[] {
  if (!Array.isArray(value) || value.length === 0) throw new PolicyError(`${where}: ${field} must be a non-empty list`)
  return value
}

/** The public keys of one key field family (`keyPath`/`keyPaths`/`keyData`/`keyDatas`, or the rekor ones). */
async function keysFrom(value: JsonObject, fields: readonly [string, string, string, string], where: string, policyDir: string): Promise<PublicKey[]> {
  const [path, paths, data, datas] = fields
  const files = value[path] !== undefined ? [value[path]] : value[paths] !== undefined ? nonEmptyList(value[paths], where, paths) : []
  const keys: PublicKey[] = []
  for (const file of files) {
    const {absolute, bytes} = await readRelative(file, policyDir, where, 'key')
    keys.push(keyOrPolicyError(bytes, absolute, where))
  }

  if (value[data] !== undefined) keys.push(keyOrPolicyError(base64Field(value[data], where, data), data, where))
  if (value[datas] !== undefined) for (const [i, one] of nonEmptyList(value[datas], where, datas).entries()) keys.push(keyOrPolicyError(base64Field(one, where, datas), `${datas}[${i}]`, where))
  return keys
}

async function parseFulcio(value: unknown, where: string, policyDir: string): Promise<FulcioTrust> {
  if (!isJsonObject(value)) throw new PolicyError(`${where}: fulcio must be an object`)
  const unknown = unknownField(value, fulcioFields)
  if (unknown) throw new PolicyError(`${where}: fulcio: unknown field "${unknown}"`)
  if ((value.caPath === undefined) === (value.caData === undefined)) throw new PolicyError(`${where}: fulcio needs exactly one of caPath, caData`)
  const oidcIssuer = expectString(value, 'oidcIssuer', `${where}: fulcio`)
  const subjectEmail = expectString(value, 'subjectEmail', `${where}: fulcio`)
  const pem = value.caPath !== undefined ? (await readRelative(value.caPath, policyDir, where, 'CA certificates')).bytes : base64Field(value.caData, where, 'fulcio.caData')
  let caCertificates: X509Certificate[]
  try {
    caCertificates = parseCertificates(pem.toString('utf8'))
  } catch (error) {
    throw new PolicyError(`${where}: fulcio CA certificates: ${(error as Error).message}`)
  }

  if (caCertificates.length === 0) throw new PolicyError(`${where}: fulcio: no PEM certificate in ${value.caPath === undefined ? 'caData' : String(value.caPath)}`)
  return {caCertificates, oidcIssuer, subjectEmail}
}

/** PEM certificates from `pathField` (relative to the policy) or `dataField` (base64 PEM); none when neither is given. */
type X509CertificateList = PkiTrust['roots']

async function certificatesFrom(value: JsonObject, pathField: string, dataField: string, where: string, policyDir: string): Promise<X509CertificateList | undefined> {
  if (value[pathField] === undefined && value[dataField] === undefined) return undefined
  if (value[pathField] !== undefined && value[dataField] !== undefined) throw new PolicyError(`${where}: pki takes one of ${pathField}, ${dataField}`)
  const pem = value[pathField] !== undefined ? (await readRelative(value[pathField], policyDir, where, 'certificates')).bytes : base64Field(value[dataField], where, `pki.${dataField}`)
  let certificates: X509CertificateList
  try {
    certificates = pemCertificates(pem.toString('utf8'))
  } catch (error) {
    throw new PolicyError(`${where}: pki ${value[pathField] === undefined ? dataField : String(value[pathField])}: ${(error as Error).message}`)
  }

  if (certificates.length === 0) throw new PolicyError(`${where}: pki: no PEM certificate in ${value[pathField] === undefined ? dataField : String(value[pathField])}`)
  return certificates
}

async function parsePki(value: unknown, where: string, policyDir: string): Promise<PkiTrust> {
  if (!isJsonObject(value)) throw new PolicyError(`${where}: pki must be an object`)
  const unknown = unknownField(value, pkiFields)
  if (unknown) throw new PolicyError(`${where}: pki: unknown field "${unknown}"`)
  const roots = await certificatesFrom(value, 'caRootsPath', 'caRootsData', where, policyDir)
  if (!roots) throw new PolicyError(`${where}: pki needs one of caRootsPath, caRootsData`)
  const intermediates = (await certificatesFrom(value, 'caIntermediatesPath', 'caIntermediatesData', where, policyDir)) ?? []
  const subjectEmail = value.subjectEmail === undefined ? undefined : expectString(value, 'subjectEmail', `${where}: pki`)
  const subjectHostname = value.subjectHostname === undefined ? undefined : expectString(value, 'subjectHostname', `${where}: pki`)
  if (subjectEmail === undefined && subjectHostname === undefined) throw new PolicyError(`${where}: pki needs subjectEmail or subjectHostname`)
  return {intermediates, roots, subjectEmail, subjectHostname}
}

async function parseSigstore(value: JsonObject, where: string, policyDir: string): Promise<Requirement> {
  const unknown = unknownField(value, sigstoreFields)
  if (unknown) throw new PolicyError(`${where}: sigstoreSigned: unknown field "${unknown}"`)
  const given = keySources.filter((field) => value[field] !== undefined)
  if (given.length !== 1) throw new PolicyError(`${where}: sigstoreSigned needs exactly one of ${keySources.join(', ')}`)
  const rekorGiven = rekorSources.filter((field) => value[field] !== undefined)
  if (rekorGiven.length > 1) throw new PolicyError(`${where}: sigstoreSigned takes at most one of ${rekorSources.join(', ')}`)
  if (given[0] === 'fulcio' && rekorGiven.length === 0) throw new PolicyError(`${where}: sigstoreSigned with fulcio needs a Rekor public key (${rekorSources.join(', ')})`)
  if (given[0] === 'pki' && rekorGiven.length > 0) throw new PolicyError(`${where}: sigstoreSigned with pki takes no Rekor public key`)
  const signedIdentity = parseIdentity(value.signedIdentity, where)
  if (given[0] === 'pki') return {keys: [], pki: await parsePki(value.pki, where, policyDir), signedIdentity, type: 'sigstoreSigned'}
  const rekorKeys = rekorGiven.length === 0 ? undefined : await keysFrom(value, ['rekorPublicKeyPath', 'rekorPublicKeyPaths', 'rekorPublicKeyData', 'rekorPublicKeyDatas'], where, policyDir)
  if (rekorKeys?.some((key) => !key.kind.startsWith('ecdsa'))) throw new PolicyError(`${where}: Rekor public keys must be ECDSA`)
  if (given[0] === 'fulcio') return {fulcio: await parseFulcio(value.fulcio, where, policyDir), keys: [], rekorKeys, signedIdentity, type: 'sigstoreSigned'}
  return {keys: await keysFrom(value, ['keyPath', 'keyPaths', 'keyData', 'keyDatas'], where, policyDir), rekorKeys, signedIdentity, type: 'sigstoreSigned'}
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
