// containers-policy.json's `pki` (containers/image pki_cert.go): the signing certificate chains, through
// the policy's intermediates and those the signature carries, to one of the policy's roots, at the
// current time and with no transparency log; it names the policy's subjectEmail and/or subjectHostname;
// an extended key usage, when present, allows code signing. Then the signature is checked with the
// certificate's key as a keyed one is. @sigstore/verify cannot check a certificate without a log entry
// or timestamp to date it, so the path is built here with node:crypto's X509Certificate (issuer checks,
// signatures, validity, email and host matching): only the walk from leaf to root is dkr's own.
import {X509Certificate} from 'node:crypto'
import {checkCandidate, type Candidate, type Checked} from './cosign.js'
import {pemBlocks, publicKeyOf} from './keys.js'

export interface PkiTrust {
  roots: X509Certificate[]
  intermediates: X509Certificate[]
  subjectEmail?: string
  subjectHostname?: string
}

const codeSigning = '1.3.6.1.5.5.7.3.3'
const anyExtendedKeyUsage = '2.5.29.37.0'
/** No chain is longer than this (a registry cannot make dkr search forever). */
const maxDepth = 8

/** Every PEM certificate in `text`; throws when one does not parse. */
export function pemCertificates(text: string): X509Certificate[] {
  return pemBlocks(text).map((der) => new X509Certificate(der))
}

const validAt = (certificate: X509Certificate, now: Date) => new Date(certificate.validFrom) <= now && now <= new Date(certificate.validTo)

function issuedBy(certificate: X509Certificate, issuer: X509Certificate, now: Date): boolean {
  return issuer.ca && validAt(issuer, now) && certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey)
}

/** Whether a path leads from `certificate` to one of `roots` through `intermediates`. */
function chainsToRoot(certificate: X509Certificate, trust: PkiTrust, now: Date, depth = 0): boolean {
  if (depth > maxDepth) return false
  if (trust.roots.some((root) => issuedBy(certificate, root, now))) return true
  return trust.intermediates.some((intermediate) => intermediate.fingerprint256 !== certificate.fingerprint256 && issuedBy(certificate, intermediate, now) && chainsToRoot(intermediate, trust, now, depth + 1))
}

/** The certificate a signature carries and the intermediates of its chain annotation (all but the last, the root). */
function carried(candidate: Candidate): {leaf?: string; chain: string} {
  if (candidate.format === 'simplesigning') return {chain: candidate.annotations['dev.sigstore.cosign/chain'] ?? '', leaf: candidate.annotations['dev.sigstore.cosign/certificate']}
  try {
    const material = (JSON.parse(candidate.bundle.toString('utf8')) as {verificationMaterial?: {certificate?: {rawBytes?: string}; x509CertificateChain?: {certificates?: {rawBytes?: string}[]}}}).verificationMaterial
    const raw = material?.certificate?.rawBytes ?? material?.x509CertificateChain?.certificates?.[0]?.rawBytes
    return {chain: '', leaf: raw ? `-----BEGIN CERTIFICATE-----\n${raw}\n-----END CERTIFICATE-----\n` : undefined}
  } catch {
    return {chain: ''}
  }
}

/** Checks one candidate for `digest` under a pki requirement, at `now`. */
export function checkPki(candidate: Candidate, digest: string, trust: PkiTrust, now: Date): Checked {
  const {format} = candidate
  const {leaf: leafPem, chain} = carried(candidate)
  if (!leafPem) return {format, reason: 'a signature without a certificate', stage: 'unsigned'}
  let leaf: X509Certificate
  let intermediates: X509Certificate[]
  try {
    leaf = new X509Certificate(leafPem)
    intermediates = [...trust.intermediates, ...pemCertificates(chain).slice(0, -1)]
  } catch {
    return {format, reason: 'a damaged certificate', stage: 'unsigned'}
  }

  if (!validAt(leaf, now)) return {format, reason: `a certificate not valid now (valid from ${leaf.validFrom} to ${leaf.validTo})`, stage: 'unsigned'}
  if (!chainsToRoot(leaf, {...trust, intermediates}, now)) return {format, reason: 'a certificate that does not chain to the policy\'s roots', stage: 'unsigned'}
  const usages = leaf.keyUsage
  if (usages !== undefined && !usages.includes(codeSigning) && !usages.includes(anyExtendedKeyUsage)) return {format, reason: 'a certificate not for code signing', stage: 'unsigned'}
  if (trust.subjectEmail !== undefined && leaf.checkEmail(trust.subjectEmail, {subject: 'never'}) === undefined) return {format, reason: `a certificate without the email ${trust.subjectEmail}`, stage: 'unsigned'}
  if (trust.subjectHostname !== undefined && leaf.checkHost(trust.subjectHostname, {subject: 'never'}) === undefined) return {format, reason: `a certificate without the hostname ${trust.subjectHostname}`, stage: 'unsigned'}
  let key
  try {
    key = publicKeyOf(leaf.publicKey, 'the signing certificate')
  } catch (error) {
    return {format, reason: `a certificate with ${(error as Error).message}`, stage: 'unsigned'}
  }

  return checkCandidate(candidate, digest, [key])
}
