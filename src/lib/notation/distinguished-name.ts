// The `x509.subject:` identities of a trust policy: RFC 4514 distinguished names with at least C, ST (or
// S) and O, one value per attribute; a certificate matches when every attribute the identity names has
// the same value in the certificate's subject (the spec's "full and partial list" of its attributes).

export type DistinguishedName = Map<string, string>

/** Parses an identity's DN; throws an Error whose message says what is wrong. */
export function parseDistinguishedName(text: string): DistinguishedName {
  const attributes: DistinguishedName = new Map()
  for (const part of splitUnescaped(text, ',;')) {
    if (splitUnescaped(part, '+').length > 1) throw new Error(`distinguished name "${text}" has a multi-valued attribute, which is not supported`)
    const equals = indexOfUnescaped(part, '=')
    if (equals <= 0) throw new Error(`distinguished name "${text}" is not a list of TYPE=value attributes`)
    let type = part.slice(0, equals).trim()
    const rawValue = part.slice(equals + 1).trim()
    if (rawValue.startsWith('#')) throw new Error(`distinguished name "${text}": hex-encoded values (=#) are not supported`)
    if (type === 'S') type = 'ST'
    if (attributes.has(type)) throw new Error(`distinguished name "${text}" has ${type} twice`)
    attributes.set(type, unescape(rawValue))
  }

  for (const required of ['C', 'ST', 'O']) {
    if (!attributes.get(required)) throw new Error(`distinguished name "${text}" has no ${required} attribute: C, ST (or S) and O are required`)
  }

  return attributes
}

/** Whether every attribute of `identity` has the same value in `subject`. */
export function isSubsetOf(identity: DistinguishedName, subject: DistinguishedName): boolean {
  return [...identity].every(([type, value]) => subject.get(type) === value)
}

function indexOfUnescaped(text: string, char: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++
    else if (text[i] === char) return i
  }

  return -1
}

function splitUnescaped(text: string, separators: string): string[] {
  const parts: string[] = []
  let start = 0
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++
    else if (separators.includes(text[i])) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }

  parts.push(text.slice(start))
  return parts
}

function unescape(value: string): string {
  const bytes: number[] = []
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '\\') {
      bytes.push(...Buffer.from(value[i], 'utf8'))
      continue
    }

    const hex = value.slice(i + 1, i + 3)
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16))
      i += 2
    } else if (i + 1 < value.length) {
      bytes.push(...Buffer.from(value[++i], 'utf8'))
    } else {
      throw new Error(`distinguished name value "${value}" ends with a lone backslash`)
    }
  }

  return Buffer.from(bytes).toString('utf8')
}
