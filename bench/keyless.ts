// A verified no-op pull (the image present) with dkr against `cosign verify … && docker pull -q` of the
// same image, in paired rounds of one run (bench/paired.ts): keyless (a bundle by the test CA's leaf for a
// workflow URI, logged in the project's small Rekor, the root given with --trusted-root) and keyed (the
// stack's k1 bundle signature, --key). Uses the engine stack in the environment or starts one, and the
// keyless test scaffolding (test/helpers/keyless.ts) to sign.
//   npm run bench:keyless [-- --runs 11]
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {parseArgs} from 'node:util'
import {ensureStack} from '../scripts/stack-env.js'
import {actionsIssuer, KeylessSigning} from '../test/helpers/keyless.js'
import {toolsEnv} from '../test/helpers/notation.js'
import {pushRandomImage} from '../test/helpers/random-image.js'
import {run} from '../test/helpers/run.js'
import {type Command, medianMs, once, pairedRatio, pairedRounds} from './paired.js'

const {values} = parseArgs({options: {runs: {default: '11', type: 'string'}}})
const runs = Number(values.runs)
const root = resolve(import.meta.dirname, '..')
const workflow = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main'

const stopStack = ensureStack()
const scratch = mkdtempSync(join(tmpdir(), 'dkr-bench-keyless-'))
const timings = join(scratch, 'rusage.txt')
// docker and cosign with the tools on PATH; dkr's code cache (XDG_CACHE_HOME) warmed by the warm-up round.
const env = toolsEnv({DOCKER_CONFIG: scratch, XDG_CACHE_HOME: join(scratch, 'cache')})
const signing = new KeylessSigning()

/** `cosign verify FLAGS IMAGE && docker pull -q IMAGE` as one command, as a script would run it. */
function cosignThenDocker(flags: string[], image: string): Command {
  const quoted = (arg: string) => `'${arg}'`
  return {argv: ['sh', '-c', `cosign verify --allow-insecure-registry ${[...flags, image].map(quoted).join(' ')} >/dev/null 2>&1 && docker pull -q ${quoted(image)} >/dev/null`], env}
}

try {
  await signing.start()
  const registry = process.env.DKR_REGISTRY!
  await pushRandomImage(registry, 'bench/keyless', '1.0', 4096)
  const keylessImage = `${registry}/bench/keyless:1.0`
  const digest = await run('crane', ['digest', '--insecure', keylessImage], {env})
  if (digest.code !== 0) throw new Error(`crane digest: ${digest.stderr}`)
  await signing.sign(`${registry}/bench/keyless@${digest.stdout.trim()}`, await signing.leaf('uri', `URI:${workflow}`, actionsIssuer), {format: 'bundle'})
  const keyless = ['--certificate-identity', workflow, '--certificate-oidc-issuer', actionsIssuer, '--trusted-root', signing.trustedRoot('root'), '--insecure-ignore-sct']
  const keyedImage = `${registry}/sig/bundle:1.0`
  const keyed = ['--key', join(process.env.DKR_COSIGN_KEYS!, 'k1.pub'), '--insecure-ignore-tlog']
  for (const image of [keylessImage, keyedImage]) once({argv: ['docker', 'pull', '-q', image], env}, timings)

  const dkr = (flags: string[], image: string): Command => ({argv: [process.execPath, join(root, 'bin', 'run.js'), 'image', 'pull', '-q', ...flags, image], env})
  const commands: Record<string, Command> = {
    // Node's own floor: what any Node CLI costs before its first line runs.
    'node -e 0': {argv: [process.execPath, '-e', '0'], env},
    // What the verification itself adds to dkr's no-op pull.
    'dkr unverified': dkr([], keylessImage),
    'dkr keyless': dkr(keyless, keylessImage),
    'cosign keyless && docker': cosignThenDocker(keyless, keylessImage),
    'dkr keyed': dkr(keyed, keyedImage),
    'cosign keyed && docker': cosignThenDocker(keyed, keyedImage),
  }
  const samples = pairedRounds(commands, runs, timings)
  /** NAME's medians, then its paired ratio to each of `versus` (with its target, if any). */
  const row = (name: string, ...versus: [string, string?][]) => {
    const ratios = versus.map(([other, target]) => `${pairedRatio(samples[name], samples[other], 'wall')}× (cpu ${pairedRatio(samples[name], samples[other], 'cpu')}×) ${other}${target ? `, target ≤ ${target}×` : ''}`)
    console.log(`  ${name.padEnd(26)}${medianMs(samples[name], 'wall')} wall${medianMs(samples[name], 'cpu')} cpu${ratios.map((r) => `   ${r}`).join(';')}`)
  }

  console.log(`medians of ${runs} rounds after a warm-up (images present, root given with --trusted-root); ratios are medians of paired runs`)
  row('node -e 0')
  row('cosign keyless && docker', ['node -e 0'])
  row('dkr unverified', ['node -e 0'])
  row('dkr keyless', ['cosign keyless && docker', '1.0'], ['dkr unverified'])
  row('cosign keyed && docker', ['node -e 0'])
  row('dkr keyed', ['cosign keyed && docker'], ['dkr unverified'])
} finally {
  signing.stop()
  stopStack()
  rmSync(scratch, {force: true, recursive: true})
  rmSync(signing.dir, {force: true, recursive: true})
}
