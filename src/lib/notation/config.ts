// Where notation keeps its configuration and what dkr reads there, so `notation policy import` and
// `notation cert add` configure dkr too: $NOTATION_CONFIG, else $XDG_CONFIG_HOME/notation, else
// ~/.config/notation; the trust policy trustpolicy.oci.json (trustpolicy.json, its older name, when the
// first is absent); the trust store truststore/x509/<type>/<name>/ of certificate files.
import {lstatSync, readdirSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {parseCertificateFile, type Certificate} from './certificate.js'
import {NotationConfigError, parseTrustPolicy, type TrustPolicyDocument, type TrustStoreName} from './trust-policy.js'

export interface NotationConfig {
  dir: string
  policy: TrustPolicyDocument
  /** The certificates of a named store; throws a one-line Error when the store cannot be used. */
  trustStore(store: TrustStoreName): Certificate[]
}

export function notationConfigDir(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  if (env.NOTATION_CONFIG) return env.NOTATION_CONFIG
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'notation')
}

/** Reads the trust policy of `dir`; a missing or bad policy is a NotationConfigError. */
export function loadNotationConfig(dir = notationConfigDir()): NotationConfig {
  const policy = readPolicy(dir)
  const stores = new Map<string, Certificate[]>()
  return {
    dir,
    policy,
    trustStore(store) {
      const key = `${store.type}:${store.name}`
      if (!stores.has(key)) stores.set(key, readTrustStore(dir, store))
      return stores.get(key)!
    },
  }
}

function readPolicy(dir: string): TrustPolicyDocument {
  for (const name of ['trustpolicy.oci.json', 'trustpolicy.json']) {
    const file = join(dir, name)
    let stat
    try {
      stat = lstatSync(file)
    } catch {
      continue
    }

    if (!stat.isFile()) throw new NotationConfigError(file, 'not a regular file (symlinks are not supported)')
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      throw new NotationConfigError(file, (error as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (error as Error).message)
    }

    return parseTrustPolicy(text, file)
  }

  throw new NotationConfigError(join(dir, 'trustpolicy.oci.json'), 'no such file (create one with `notation policy import`)')
}

function readTrustStore(dir: string, store: TrustStoreName): Certificate[] {
  const path = join(dir, 'truststore', 'x509', store.type, store.name)
  const label = `trust store "${store.name}" of type "${store.type}"`
  let stat
  try {
    stat = lstatSync(path)
  } catch {
    throw new Error(`the ${label} does not exist (${path})`)
  }

  if (!stat.isDirectory()) throw new Error(`the ${label} is not a regular directory (symlinks are not supported)`)
  const certificates: Certificate[] = []
  for (const entry of readdirSync(path, {withFileTypes: true}).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isFile()) throw new Error(`${entry.name} in the ${label} is not a regular file (directories and symlinks are not supported)`)
    let found: Certificate[]
    try {
      found = parseCertificateFile(readFileSync(join(path, entry.name)))
    } catch {
      throw new Error(`${entry.name} in the ${label} is not a certificate file`)
    }

    if (found.length === 0) throw new Error(`${entry.name} in the ${label} holds no certificate`)
    const unfit = found.find((certificate) => !certificate.basicConstraints?.ca && !certificate.x509.verify(certificate.x509.publicKey))
    if (unfit) throw new Error(`${entry.name} in the ${label}: "${unfit.subjectText}" is neither a CA certificate nor a self-signed signing certificate`)
    certificates.push(...found)
  }

  if (certificates.length === 0) throw new Error(`no certificates in the ${label}`)
  return certificates
}
