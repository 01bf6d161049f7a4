// Step 4's common end, whichever mechanism verified the image (content trust, a signature policy): each
// verified digest is pulled by digest and then tagged locally as the tag it was verified for. The output
// is docker's trusted pull's: `Pull (i of n): …` on stdout, `Tagging … as …` on stderr; with -q and --json
// the caller passes sinks (dkr's -q prints exactly the reference, for `ref=$(dkr pull -q …)`).
import type {Cli} from '../cli/context.js'
import type {EngineClient} from '../engine/client.js'
import type {TextOutput} from '../io/streams.js'
import {familiarName, fullName} from '../reference/format.js'
import type {ImageReference} from '../reference/parse.js'

/** A tag and the digest it was verified to name. */
export interface PinnedTag {
  tag: string
  digest: string
}

export interface DigestPull {
  /** The repository pinned to the verified digest. */
  ref: ImageReference
  /** The tag it was verified under, applied locally once the digest is pulled. */
  tag: string
}

/** The repository of `ref` at `digest`: what an engine pulls of a pinned image. */
export function atDigest(ref: ImageReference, digest: string): ImageReference {
  return {digest, domain: ref.domain, path: ref.path}
}

/** Where docker's trusted-pull lines go. */
export interface PinnedLines {
  out: TextOutput
  err: TextOutput
}

/** Pulls each verified digest through `pullDigest` and tags it on `engine`, printing docker's lines around each. */
export async function pullPinned(cli: Cli, engine: EngineClient, lines: PinnedLines, ref: ImageReference, targets: readonly PinnedTag[], pullDigest: (pull: DigestPull) => Promise<void>): Promise<void> {
  const name = familiarName(ref)
  for (const [i, target] of targets.entries()) {
    lines.out.write(`Pull (${i + 1} of ${targets.length}): ${name}:${target.tag}@${target.digest}\n`)
    await pullDigest({ref: atDigest(ref, target.digest), tag: target.tag})
    lines.err.write(`Tagging ${name}@${target.digest} as ${name}:${target.tag}\n`)
    await engine.tag(`${fullName(ref)}@${target.digest}`, fullName(ref), target.tag, cli.signal)
  }
}
