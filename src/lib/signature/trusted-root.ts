// A Sigstore TrustedRoot (protobuf-specs JSON, what `cosign verify --trusted-root` and sigstore-go read):
// the Fulcio CAs, transparency logs, CT logs and timestamp authorities keyless signatures are checked
// against. Parsed with @sigstore/protobuf-specs; dkr adds the one check sigstore-js leaves out: a log
// key without a validity start is refused (sigstore-conformance's trust-root-tlog-missing-validity-start
// case), since sigstore-js would otherwise trust it from the beginning of time.
import {readFile} from 'node:fs/promises'
import {TrustedRoot} from '@sigstore/protobuf-specs'
import {hasLengthField, isJsonObject, maxJsonDepth, nestsDeeperThan} from '../io/json.js'

const trustedRootTypes = new Set(['application/vnd.dev.sigstore.trustedroot+json;version=0.1', 'application/vnd.dev.sigstore.trustedroot.v0.2+json'])

/** Parses TrustedRoot JSON; throws an Error whose message says what is wrong with it. */
export function parseTrustedRoot(text: string): TrustedRoot {
  // A root is a few levels deep; deeper JSON would overflow the stack of whatever walks it (the error's message too).
  if (nestsDeeperThan(text)) throw new Error(`nested more than ${maxJsonDepth} deep`)
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch {
    throw new Error('not JSON')
  }

  if (!isJsonObject(document)) throw new Error('not a JSON object')
  if (hasLengthField(document)) throw new Error('a field named "length", which no TrustedRoot has')
  if (typeof document.mediaType !== 'string' || !trustedRootTypes.has(document.mediaType)) throw new Error(`mediaType ${JSON.stringify(document.mediaType)} is not a Sigstore TrustedRoot`)
  let root: TrustedRoot
  try {
    root = TrustedRoot.fromJSON(document)
  } catch (error) {
    throw new Error(`not a TrustedRoot: ${(error as Error).message}`, {cause: error})
  }

  return checkTrustedRoot(root)
}

/** `root` itself, once every log key has a validity start; throws an Error naming the log otherwise. */
export function checkTrustedRoot(root: TrustedRoot): TrustedRoot {
  for (const [i, log] of root.tlogs.entries()) {
    if (!log.publicKey?.rawBytes || log.publicKey.rawBytes.length === 0) throw new Error(`tlogs[${i}] has no public key`)
    if (!log.publicKey.validFor?.start) throw new Error(`tlogs[${i}] (${log.baseUrl || 'a transparency log'}) has no validity start`)
  }

  return root
}

/** Reads a TrustedRoot file; the error names the file and the problem on one line. */
export async function loadTrustedRoot(path: string): Promise<TrustedRoot> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new Error(`cannot read trusted root ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, {cause: error})
  }

  try {
    return parseTrustedRoot(text)
  } catch (error) {
    throw new Error(`invalid trusted root ${path}: ${(error as Error).message}`, {cause: error})
  }
}
