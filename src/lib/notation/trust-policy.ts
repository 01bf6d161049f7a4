// notation's OCI trust policy (trustpolicy.oci.json, version 1.0), validated as notation validates it
// (trust-store-trust-policy.md, "Trust Policy Constraints"), plus fail-closed on what notation would
// silently ignore: unknown fields and identity types dkr cannot check. One statement applies to a
// repository: the one naming it in registryScopes, else the global `*` one.
import {DkrError} from '../errors.js'
import {parseDistinguishedName, isSubsetOf, type DistinguishedName} from './distinguished-name.js'
import {isJsonObject, shownJson, type JsonObject} from '../io/json.js'

export type ValidationType = 'authenticTimestamp' | 'authenticity' | 'expiry' | 'integrity' | 'revocation'
export type ValidationAction = 'enforce' | 'log' | 'skip'
export type LevelName = 'audit' | 'permissive' | 'skip' | 'strict'

export interface VerificationLevel {
  name: LevelName
  /** What each validation's failure does under this level, overrides applied. */
  actions: Record<ValidationType, ValidationAction>
}

export type TrustStoreType = 'ca' | 'signingAuthority' | 'tsa'

export interface TrustStoreName {
  type: TrustStoreType
  name: string
}

export interface TrustPolicyStatement {
  name: string
  registryScopes: string[]
  level: VerificationLevel
  verifyTimestamp: 'afterCertExpiry' | 'always'
  trustStores: TrustStoreName[]
  /** `*`, or the subjects any one of which the leaf must match. */
  trustedIdentities: '*' | DistinguishedName[]
}

export interface TrustPolicyDocument {
  file: string
  statements: TrustPolicyStatement[]
}

/** A notation configuration dkr cannot use: one line naming the file and the problem. */
export class NotationConfigError extends DkrError {
  constructor(file: string, problem: string) {
    super(`notation trust policy ${file}: ${problem}`)
    this.name = 'NotationConfigError'
  }
}

const levels: Record<LevelName, Record<ValidationType, ValidationAction>> = {
  audit: {authenticTimestamp: 'log', authenticity: 'log', expiry: 'log', integrity: 'enforce', revocation: 'log'},
  permissive: {authenticTimestamp: 'log', authenticity: 'enforce', expiry: 'log', integrity: 'enforce', revocation: 'log'},
  skip: {authenticTimestamp: 'skip', authenticity: 'skip', expiry: 'skip', integrity: 'skip', revocation: 'skip'},
  strict: {authenticTimestamp: 'enforce', authenticity: 'enforce', expiry: 'enforce', integrity: 'enforce', revocation: 'enforce'},
}

const storeTypes: TrustStoreType[] = ['ca', 'signingAuthority', 'tsa']
const domainPattern = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$/
const repositoryPattern = /^[a-z0-9]+(?:(?:[._]|__|-*)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-*)[a-z0-9]+)*)*$/

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}

/** Parses and validates a trust policy document; throws NotationConfigError naming `file`. */
export function parseTrustPolicy(text: string, file: string): TrustPolicyDocument {
  const fail = (problem: string): never => {
    throw new NotationConfigError(file, problem)
  }

  let document: unknown
  try {
    document = JSON.parse(text)
  } catch (error) {
    return fail(`malformed JSON (${(error as Error).message})`)
  }

  if (!isJsonObject(document)) return fail('not a JSON object')
  checkFields(document, ['version', 'trustPolicies'], 'the document', fail)
  if (document.version !== '1.0') return fail(document.version === undefined ? 'version is missing' : `unsupported version ${shownJson(document.version)} (dkr reads version "1.0")`)
  if (!Array.isArray(document.trustPolicies) || document.trustPolicies.length === 0) return fail('trustPolicies must be a non-empty array of statements')
  const statements = document.trustPolicies.map((statement) => parseStatement(statement, fail))
  const names = new Set<string>()
  const scopes = new Set<string>()
  for (const statement of statements) {
    if (names.has(statement.name)) fail(`multiple trust policy statements use the name "${statement.name}", names must be unique`)
    names.add(statement.name)
    for (const scope of statement.registryScopes) {
      if (scopes.has(scope)) fail(`registry scope "${scope}" is in more than one trust policy statement`)
      scopes.add(scope)
    }
  }

  return {file, statements}
}

function checkFields(object: JsonObject, known: string[], where: string, fail: (problem: string) => never): void {
  const unknown = Object.keys(object).find((key) => !known.includes(key))
  if (unknown) fail(`${where} has an unknown field "${unknown}"`)
}

function parseStatement(statement: unknown, fail: (problem: string) => never): TrustPolicyStatement {
  if (!isJsonObject(statement)) return fail('a trust policy statement is not a JSON object')
  const {name} = statement
  if (typeof name !== 'string' || name === '') return fail('a trust policy statement is missing a name')
  const where = `trust policy statement "${name}"`
  checkFields(statement, ['name', 'registryScopes', 'signatureVerification', 'trustStores', 'trustedIdentities'], where, fail)
  const {registryScopes, signatureVerification, trustStores = [], trustedIdentities = []} = statement
  if (!isStringArray(registryScopes) || registryScopes.length === 0) return fail(`${where} must have registryScopes with at least one value`)
  if (registryScopes.length > 1 && registryScopes.includes('*')) fail(`${where} uses the wildcard registry scope '*' with other scopes`)
  for (const scope of registryScopes) if (scope !== '*' && !isRepositoryScope(scope)) fail(`${where} has an invalid registry scope "${scope}": it must be a fully qualified repository without scheme or tag, e.g. registry.example/my/repository`)
  if (!isStringArray(trustStores)) return fail(`${where}: trustStores must be an array of strings`)
  if (!isStringArray(trustedIdentities)) return fail(`${where}: trustedIdentities must be an array of strings`)
  const {level, verifyTimestamp} = parseVerification(signatureVerification, where, fail)
  const parsed: TrustPolicyStatement = {level, name, registryScopes, trustStores: [], trustedIdentities: [], verifyTimestamp}
  if (level.name === 'skip') {
    if (trustStores.length > 0 || trustedIdentities.length > 0) fail(`${where} skips verification but names trust stores or trusted identities; remove them`)
    return parsed
  }

  if (trustStores.length === 0 || trustedIdentities.length === 0) fail(`${where} must name both trustStores and trustedIdentities`)
  parsed.trustStores = trustStores.map((value) => {
    const [type, storeName, extra] = value.split(':')
    if (storeName === undefined || extra !== undefined) return fail(`${where} has a malformed trust store "${value}", the format is <type>:<name>`)
    if (!storeTypes.includes(type as TrustStoreType)) return fail(`${where} uses an unsupported trust store type "${type}" in "${value}"`)
    if (!/^[a-zA-Z0-9_.-]+$/.test(storeName)) return fail(`${where} uses an invalid trust store name "${storeName}" (allowed: [a-zA-Z0-9_.-]+)`)
    return {name: storeName, type: type as TrustStoreType}
  })
  parsed.trustedIdentities = parseIdentities(trustedIdentities, where, fail)
  return parsed
}

function parseVerification(value: unknown, where: string, fail: (problem: string) => never): Pick<TrustPolicyStatement, 'level' | 'verifyTimestamp'> {
  if (!isJsonObject(value)) return fail(`${where} is missing signatureVerification`)
  checkFields(value, ['level', 'override', 'verifyTimestamp'], `${where}'s signatureVerification`, fail)
  const {level, override = {}, verifyTimestamp = 'always'} = value
  if (typeof level !== 'string' || !(level in levels)) return fail(`${where} has an invalid signatureVerification level ${shownJson(level ?? null)} (strict, permissive, audit or skip)`)
  if (verifyTimestamp !== 'always' && verifyTimestamp !== 'afterCertExpiry') return fail(`${where}: verifyTimestamp must be "always" or "afterCertExpiry"`)
  if (!isJsonObject(override)) return fail(`${where}: override must be an object`)
  const name = level as LevelName
  const actions = {...levels[name]}
  if (name === 'skip' && Object.keys(override).length > 0) fail(`${where}: the skip level cannot be overridden`)
  for (const [type, action] of Object.entries(override)) {
    if (!(type in actions)) fail(`${where} overrides an unknown validation "${type}"`)
    if (type === 'integrity') fail(`${where}: integrity validation cannot be overridden`)
    if (action !== 'enforce' && action !== 'log' && action !== 'skip') fail(`${where} overrides ${type} with an unknown action ${shownJson(action)}`)
    if (action === 'skip' && type !== 'revocation') fail(`${where}: only revocation validation can be skipped`)
    actions[type as ValidationType] = action as ValidationAction
  }

  return {level: {actions, name}, verifyTimestamp}
}

function parseIdentities(identities: string[], where: string, fail: (problem: string) => never): '*' | DistinguishedName[] {
  if (identities.includes('*')) {
    if (identities.length > 1) fail(`${where} uses the wildcard trusted identity '*' with other identities`)
    return '*'
  }

  const parsed = identities.map((identity) => {
    const colon = identity.indexOf(':')
    if (colon < 0 || identity.slice(0, colon) !== 'x509.subject') return fail(`${where} has a trusted identity dkr cannot check: "${identity}" (only "x509.subject: ..." and "*")`)
    try {
      return parseDistinguishedName(identity.slice(colon + 1))
    } catch (error) {
      return fail(`${where}: ${(error as Error).message}`)
    }
  })
  parsed.forEach((one, i) => parsed.forEach((other, j) => {
    if (i !== j && isSubsetOf(one, other)) fail(`${where} has overlapping trusted identities "${identities[i]}" and "${identities[j]}"`)
  }))
  return parsed
}

function isRepositoryScope(scope: string): boolean {
  const slash = scope.indexOf('/')
  return slash > 0 && domainPattern.test(scope.slice(0, slash)) && repositoryPattern.test(scope.slice(slash + 1))
}

/** The statement that applies to `repository` (`registry/path`, fully qualified), if any. */
export function applicablePolicy(document: TrustPolicyDocument, repository: string): TrustPolicyStatement | undefined {
  return document.statements.find((statement) => statement.registryScopes.includes(repository)) ?? document.statements.find((statement) => statement.registryScopes.includes('*'))
}
