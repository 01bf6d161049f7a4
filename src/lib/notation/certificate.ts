// X.509 as the Notary Project signature specification reads it ("Certificate Requirements"): the
// code-signing chain of an envelope (leaf first, ending at a self-signed root, each issued by the next),
// basic constraints, key usage and extended key usage, the key's algorithm and size, and the subject's
// attributes for trustedIdentities. node:crypto checks signatures and issuance; the few extensions it does
// not expose are read from the DER.
import {X509Certificate} from 'node:crypto'
import {derChildren, derInteger, derOid, derTag, readDer, type DerNode} from './der.js'

export type SignatureAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'PS256' | 'PS384' | 'PS512'

export interface Certificate {
  x509: X509Certificate
  der: Buffer
  /** The encoded issuer and subject names, compared byte for byte as Go's crypto/x509 does. */
  issuerName: Buffer
  subjectName: Buffer
  /** Subject attributes by their short names (C, ST, O…), or why they cannot be compared. */
  subject: Map<string, string> | string
  /** The subject as the messages name it: `C=US, ST=WA, O=…`. */
  subjectText: string
  notBefore: Date
  notAfter: Date
  basicConstraints?: {critical: boolean; ca: boolean; pathLength?: number}
  keyUsage?: {critical: boolean; usages: Set<KeyUsage>}
  extendedKeyUsage?: string[]
  /** The certificate names a CRL distribution point or an OCSP responder. */
  revocable: boolean
  signatureAlgorithmOid: string
}

type KeyUsage = 'cRLSign' | 'dataEncipherment' | 'decipherOnly' | 'digitalSignature' | 'encipherOnly' | 'keyAgreement' | 'keyCertSign' | 'keyEncipherment' | 'nonRepudiation'
const keyUsageBits: KeyUsage[] = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly']

const oids = {
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  basicConstraints: '2.5.29.19',
  crlDistributionPoints: '2.5.29.31',
  extendedKeyUsage: '2.5.29.37',
  keyUsage: '2.5.29.15',
  ocsp: '1.3.6.1.5.5.7.48.1',
}

// The attribute names Go's pkix.Name prints (notation matches identities against that form); a subject
// with any other attribute cannot be matched against an x509.subject identity, as in notation.
const attributeNames: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.17': 'POSTALCODE',
}

const excludedEku: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
}

// Certificate signatures Go's crypto/x509 (notation) accepts: no SHA-1, no MD5.
const acceptedSignatureAlgorithms = new Set([
  '1.2.840.113549.1.1.10', // RSASSA-PSS
  '1.2.840.113549.1.1.11',
  '1.2.840.113549.1.1.12',
  '1.2.840.113549.1.1.13',
  '1.2.840.10045.4.3.2',
  '1.2.840.10045.4.3.3',
  '1.2.840.10045.4.3.4',
  '1.3.101.112', // Ed25519
])

/** Parses one DER certificate; throws on anything malformed. */
export function parseCertificate(der: Buffer): Certificate {
  const x509 = new X509Certificate(der)
  const [tbs, signatureAlgorithm] = derChildren(readDer(der))
  const fields = derChildren(tbs)
  const offset = fields[0].tag === 0xa0 ? 1 : 0
  const subjectNode = fields[offset + 4]
  const certificate: Certificate = {
    der: x509.raw,
    issuerName: fields[offset + 2].raw,
    notAfter: new Date(x509.validTo),
    notBefore: new Date(x509.validFrom),
    revocable: false,
    signatureAlgorithmOid: derOid(derChildren(signatureAlgorithm)[0]),
    subject: new Map(),
    subjectName: subjectNode.raw,
    subjectText: '',
    x509,
  }
  readSubject(subjectNode, certificate)
  const extensions = fields.slice(offset + 6).find((field) => field.tag === 0xa3)
  if (extensions) for (const extension of derChildren(derChildren(extensions)[0])) readExtension(extension, certificate)
  return certificate
}

function readSubject(name: DerNode, certificate: Certificate): void {
  const parts: string[] = []
  const subject = new Map<string, string>()
  let problem: string | undefined
  for (const rdn of derChildren(name)) {
    const attributes = derChildren(rdn)
    if (attributes.length > 1) problem = 'the certificate subject has a multi-valued attribute'
    for (const attribute of attributes) {
      const [type, value] = derChildren(attribute)
      const oid = derOid(type)
      const text = directoryString(value)
      const short = attributeNames[oid]
      parts.push(`${short ?? oid}=${text}`)
      if (!short) problem = `the certificate subject has an attribute (${oid}) identities cannot name`
      else if (subject.has(short)) problem = `the certificate subject has ${short} twice`
      else subject.set(short, text)
    }
  }

  certificate.subject = problem ?? subject
  certificate.subjectText = parts.join(', ')
}

function directoryString(node: DerNode): string {
  switch (node.tag) {
    case 0x0c: // UTF8String
    case 0x13: // PrintableString
    case 0x16: // IA5String
      return node.value.toString('utf8')
    case 0x14: // T61String, read as Latin-1 as Go does
      return node.value.toString('latin1')
    case 0x1e: // BMPString
      return Buffer.from(node.value).swap16().toString('utf16le')
    default:
      throw new Error('unsupported string type in the certificate subject')
  }
}

function readExtension(extension: DerNode, certificate: Certificate): void {
  const parts = derChildren(extension)
  const oid = derOid(parts[0])
  const critical = parts.length === 3 && parts[1].tag === derTag.boolean && parts[1].value[0] !== 0
  const value = readDer(parts.at(-1)!.value)
  switch (oid) {
    case oids.basicConstraints: {
      const items = derChildren(value)
      const ca = items[0]?.tag === derTag.boolean && items[0].value[0] !== 0
      const length = items.find((item) => item.tag === derTag.integer)
      certificate.basicConstraints = {ca, critical, pathLength: length ? derInteger(length) : undefined}
      break
    }

    case oids.keyUsage: {
      if (value.tag !== derTag.bitString) throw new Error('bad key usage')
      const usages = new Set<KeyUsage>()
      keyUsageBits.forEach((usage, bit) => {
        const byte = value.value[1 + (bit >> 3)] ?? 0
        if (byte & (0x80 >> (bit & 7))) usages.add(usage)
      })
      certificate.keyUsage = {critical, usages}
      break
    }

    case oids.extendedKeyUsage:
      certificate.extendedKeyUsage = derChildren(value).map(derOid)
      break
    case oids.crlDistributionPoints:
      certificate.revocable = true
      break
    case oids.authorityInfoAccess:
      if (derChildren(value).some((access) => derOid(derChildren(access)[0]) === oids.ocsp)) certificate.revocable = true
      break
  }
}

export function isSignatureAlgorithm(value: string): value is SignatureAlgorithm {
  return /^(ES|PS)(256|384|512)$/.test(value)
}

/** The one signature algorithm the spec allows for a key ("Algorithm Selection"), or why the key is refused. */
export function signatureAlgorithmFor(certificate: Certificate): SignatureAlgorithm | string {
  let key
  try {
    // node:crypto decodes the key only now, and throws for one OpenSSL cannot read.
    key = certificate.x509.publicKey
  } catch {
    return 'the certificate\'s public key cannot be read'
  }

  const details = key.asymmetricKeyDetails ?? {}
  if (key.asymmetricKeyType === 'rsa') {
    const byBits: Record<number, SignatureAlgorithm> = {2048: 'PS256', 3072: 'PS384', 4096: 'PS512'}
    return byBits[details.modulusLength ?? 0] ?? `rsa key size ${details.modulusLength} bits is not supported`
  }

  if (key.asymmetricKeyType === 'ec') {
    const byCurve: Record<string, SignatureAlgorithm> = {'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512', prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512'}
    return byCurve[details.namedCurve ?? ''] ?? `ecdsa curve ${details.namedCurve} is not supported`
  }

  return `${key.asymmetricKeyType} keys are not supported`
}

function issuedBy(child: Certificate, parent: Certificate): boolean {
  try {
    return child.issuerName.equals(parent.subjectName) && child.x509.verify(parent.x509.publicKey)
  } catch {
    return false
  }
}

function leafProblem(certificate: Certificate): string | undefined {
  const who = `certificate with subject "${certificate.subjectText}"`
  if (certificate.basicConstraints?.ca) return `${who}: if the basic constraints extension is present, the ca field must be set to false`
  if (!certificate.keyUsage) return `${who}: key usage extension must be present`
  if (!certificate.keyUsage.critical) return `${who}: key usage extension must be marked critical`
  const usages = certificate.keyUsage.usages
  if (!usages.has('digitalSignature')) return `${who}: key usage must have the bit position for "Digital Signature" set`
  const extra = [...usages].filter((usage) => usage !== 'digitalSignature' && usage !== 'nonRepudiation')
  if (extra.length > 0) return `${who}: key usage must be "Digital Signature" only, but found ${extra.join(', ')}`
  const excluded = (certificate.extendedKeyUsage ?? []).find((oid) => excludedEku[oid])
  if (excluded) return `${who}: extended key usage must not contain ${excludedEku[excluded]}`
  const algorithm = signatureAlgorithmFor(certificate)
  return isSignatureAlgorithm(algorithm) ? undefined : `${who}: ${algorithm}`
}

function caProblem(certificate: Certificate, below: number): string | undefined {
  const who = `certificate with subject "${certificate.subjectText}"`
  const constraints = certificate.basicConstraints
  if (!constraints?.ca) return `${who}: ca field in basic constraints must be present, critical, and set to true`
  if (constraints.pathLength !== undefined && constraints.pathLength < below) return `${who}: expected path length of ${below} but certificate has path length ${constraints.pathLength} instead`
  if (!certificate.keyUsage) return `${who}: key usage extension must be present`
  if (!certificate.keyUsage.critical) return `${who}: key usage extension must be marked critical`
  if (!certificate.keyUsage.usages.has('keyCertSign')) return `${who}: key usage must have the bit position for key cert sign set`
  return undefined
}

/**
 * Why `chain` (leaf first) is not a valid code-signing chain, or undefined when it is: each certificate
 * issued by the next, a self-signed root at the end and nowhere else, the leaf and CA requirements.
 * A lone certificate must be self-signed and meet the leaf requirements.
 */
export function codeSigningChainProblem(chain: Certificate[]): string | undefined {
  if (chain.length === 0) return 'certificate chain is not present'
  const weak = chain.find((certificate) => !acceptedSignatureAlgorithms.has(certificate.signatureAlgorithmOid))
  if (weak) return `certificate with subject "${weak.subjectText}" uses an unsupported signature algorithm (${weak.signatureAlgorithmOid})`
  if (chain.length === 1) {
    const [only] = chain
    if (!issuedBy(only, only)) return `invalid self-signed certificate with subject "${only.subjectText}"`
    return leafProblem(only)
  }

  for (const [index, certificate] of chain.entries()) {
    const last = index === chain.length - 1
    const selfSigned = issuedBy(certificate, certificate)
    if (last && !selfSigned) return `root certificate with subject "${certificate.subjectText}" is not self-signed. Certificate chain must end with a valid self-signed root certificate`
    if (!last) {
      if (selfSigned) return `${index === 0 ? 'leaf' : 'intermediate'} certificate with subject "${certificate.subjectText}" is self-signed. Certificate chain must not contain a self-signed ${index === 0 ? 'leaf' : 'intermediate'} certificate`
      if (!issuedBy(certificate, chain[index + 1])) return `certificate with subject "${certificate.subjectText}" is not issued by "${chain[index + 1].subjectText}"`
    }

    const problem = index === 0 ? leafProblem(certificate) : caProblem(certificate, index - 1)
    if (problem) return problem
  }

  return undefined
}

/** Parses the certificates of a trust-store file: PEM (one or more) or a single DER certificate. */
export function parseCertificateFile(content: Buffer): Certificate[] {
  const text = content.toString('latin1')
  if (!text.includes('-----BEGIN')) return [parseCertificate(content)]
  const blocks = [...text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)]
  return blocks.map((block) => parseCertificate(Buffer.from(block[1].replace(/\s+/g, ''), 'base64')))
}
