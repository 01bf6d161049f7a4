// Test certificates made by openssl in the run: CAs, code-signing leaves issued by them (with any
// validity period, past ones included, through `openssl ca`), with RSA or EC keys.
import {execFileSync} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

export type KeyType = 'ec-256' | 'ec-384' | 'ec-521' | 'rsa-2048' | 'rsa-3072' | 'rsa-4096'

export interface Issued {
  /** PEM files. */
  keyPath: string
  certPath: string
  /** The certificate's DER. */
  der: Buffer
  /** PEM private key text. */
  keyPem: string
}

export const codeSigningLeaf = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n'
export const caExtensions = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n'

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, {cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
}

function newKey(dir: string, name: string, type: KeyType): string {
  const path = join(dir, `${name}.key`)
  const [family, size] = type.split('-')
  const options = family === 'rsa' ? ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${size}`] : ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:P-${size}`]
  openssl(['genpkey', ...options, '-out', path], dir)
  return path
}

function finish(dir: string, name: string, keyPath: string): Issued {
  const certPath = join(dir, `${name}.crt`)
  const der = execFileSync('openssl', ['x509', '-in', certPath, '-outform', 'DER'], {stdio: ['ignore', 'pipe', 'pipe']})
  return {certPath, der, keyPath, keyPem: readFileSync(keyPath, 'utf8')}
}

/** A self-signed certificate (a CA by default) with `subject` like `/C=US/ST=WA/O=Acme/CN=Root`. */
export function makeSelfSigned(dir: string, name: string, subject: string, options: {keyType?: KeyType; extensions?: string} = {}): Issued {
  mkdirSync(dir, {recursive: true})
  const keyPath = newKey(dir, name, options.keyType ?? 'rsa-2048')
  const config = join(dir, `${name}.cnf`)
  writeFileSync(config, `[req]\ndistinguished_name=dn\n[dn]\n[x]\nsubjectKeyIdentifier=hash\n${options.extensions ?? caExtensions}`)
  openssl(['req', '-new', '-x509', '-key', keyPath, '-subj', subject, '-days', '30', '-sha256', '-config', config, '-extensions', 'x', '-out', join(dir, `${name}.crt`)], dir)
  return finish(dir, name, keyPath)
}

/**
 * A certificate issued by `ca`, valid from `start` to `end` (default: an hour ago to a week ahead),
 * with code-signing leaf extensions unless `extensions` says otherwise; for a given `keyPath` (default: a
 * new key of `keyType`) and hex `serial` (default: from the clock).
 */
export function issue(dir: string, name: string, ca: Issued, subject: string, options: {keyType?: KeyType; keyPath?: string; extensions?: string; serial?: string; start?: Date; end?: Date} = {}): Issued {
  const keyPath = options.keyPath ?? newKey(dir, name, options.keyType ?? 'rsa-2048')
  const csr = join(dir, `${name}.csr`)
  const requestConfig = join(dir, `${name}.req.cnf`)
  writeFileSync(requestConfig, '[req]\ndistinguished_name=dn\n[dn]\n')
  openssl(['req', '-new', '-key', keyPath, '-subj', subject, '-config', requestConfig, '-out', csr], dir)
  const db = join(dir, `${name}.db`)
  mkdirSync(db, {recursive: true})
  writeFileSync(join(db, 'index.txt'), '')
  writeFileSync(join(db, 'serial'), `${options.serial ?? Date.now().toString(16).padStart(16, '0')}\n`)
  const config = join(dir, `${name}.cnf`)
  writeFileSync(config, [
    '[ca]', 'default_ca=d', '[d]', `database=${db}/index.txt`, `new_certs_dir=${db}`, `serial=${db}/serial`, 'default_md=sha256', 'policy=p', 'unique_subject=no', 'copy_extensions=none',
    '[p]', 'countryName=optional', 'stateOrProvinceName=optional', 'localityName=optional', 'organizationName=optional', 'organizationalUnitName=optional', 'commonName=optional',
    '[x]', 'authorityKeyIdentifier=keyid', (options.extensions ?? codeSigningLeaf).trim(), '',
  ].join('\n'))
  const start = options.start ?? new Date(Date.now() - 3600_000)
  const end = options.end ?? new Date(Date.now() + 7 * 86400_000)
  openssl(['ca', '-batch', '-config', config, '-cert', ca.certPath, '-keyfile', ca.keyPath, '-in', csr, '-out', join(dir, `${name}.crt`), '-notext', '-preserveDN',
    '-startdate', asn1Time(start), '-enddate', asn1Time(end), '-extensions', 'x'], dir)
  return finish(dir, name, keyPath)
}

function asn1Time(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z')
}

/** PEM of a certificate's DER. */
export function pem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`
}
