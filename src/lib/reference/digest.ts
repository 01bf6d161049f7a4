// go-digest's validation of the part after `@`: a known algorithm with an encoded part of exactly its length.
import {referenceErrors, ReferenceError} from './errors.js'
import {digestSyntax} from './grammar.js'

const hexLengths: Record<string, number> = {sha256: 64, sha384: 96, sha512: 128}

export function validateDigest(value: string): void {
  const colon = value.indexOf(':')
  if (colon <= 0 || colon + 1 === value.length) throw new ReferenceError(referenceErrors.digestFormat)
  const algorithm = value.slice(0, colon)
  const encoded = value.slice(colon + 1)
  const length = hexLengths[algorithm]
  if (length === undefined) {
    throw new ReferenceError(digestSyntax.test(value) ? referenceErrors.digestUnsupported : referenceErrors.digestFormat)
  }

  if (encoded.length !== length) throw new ReferenceError(referenceErrors.digestLength)
  if (!/^[a-f0-9]+$/.test(encoded)) throw new ReferenceError(referenceErrors.digestFormat)
}
