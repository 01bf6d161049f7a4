import {Args, Flags} from '@oclif/core'
import {DkrCommand} from '../../lib/cli/base-command.js'
import {UsageError} from '../../lib/errors.js'
import {parseDuration} from '../../lib/io/duration.js'
import {notationConfigSetting} from '../../lib/pull/notation-pull.js'
import {platformList} from '../../lib/pull/platforms.js'
import {failureReport, runPull, type PullResult} from '../../lib/pull/run-pull.js'

export default class ImagePull extends DkrCommand {
  static aliases = ['pull']
  static args = {
    name: Args.string({description: 'Image to pull: NAME[:TAG|@DIGEST]', required: true}),
  }

  static description = `Download an image from a registry

Works like docker pull: the engine (DOCKER_HOST, --host or the current context) pulls, dkr shows the progress. \
On a terminal each layer gets a live line, with a total line for the whole pull; in logs and pipes the lines \
are docker's plain ones, with one line per retry and a progress line every 10 seconds. Several names are \
pulled at once; the command fails if any of them fails.

Several engines (-c/--context repeated, comma-separated or a glob such as 'edge-*'; or -H repeated): each \
name is resolved to its digest once through the registry with your credentials, verified once when a \
policy applies, and every engine pulls that digest and tags it, so all end with the same image even if \
the tag moves meanwhile. An engine that is down fails within 10 seconds and costs only itself; the \
command then fails with one line naming the failed engines.

Environment: DOCKER_HOST, DOCKER_CONTEXT, DOCKER_CONFIG, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_API_VERSION, \
DOCKER_DEFAULT_PLATFORM, DOCKER_CONTENT_TRUST, DOCKER_CONTENT_TRUST_SERVER, NO_COLOR, FORCE_COLOR; preferences: \
progress, parallel, platform, contentTrust, retry, stallTimeout, signaturePolicy, notationConfig, rateLimit, trustedRoot (see dkr config list).

cosign's verification flags (--key, --certificate-identity[-regexp], --certificate-oidc-issuer[-regexp], \
--trusted-root, --insecure-ignore-tlog, --insecure-ignore-sct, --use-signed-timestamps) keep cosign's meaning: every image must carry a cosign signature, in \
either format, that cosign verify would accept with the same flags, for the digest that is pulled. With a \
signature policy too, both must hold.`

  static enableJsonFlag = true
  static examples = [
    {command: '<%= config.bin %> image pull $DKR_REGISTRY/demo/app:1.0', description: 'Pull one tag (the demo stack prints DKR_REGISTRY)'},
    {command: '<%= config.bin %> pull -q $DKR_REGISTRY/demo/app', description: 'Print only the pulled name, for scripts'},
    {command: '<%= config.bin %> image pull --all-tags $DKR_REGISTRY/demo/app', description: 'Pull every tag of a repository'},
    {command: '<%= config.bin %> image pull $DKR_REGISTRY/demo/small:1.0 $DKR_REGISTRY/demo/mid:1.0', description: 'Pull several images at once'},
    {command: "<%= config.bin %> image pull --context 'edge-*' --parallel 8 $DKR_REGISTRY/demo/app:1.0", description: 'Pull the same digest onto every engine whose context matches edge-*'},
    {command: '<%= config.bin %> image pull --platform linux/amd64,linux/arm64 $DKR_REGISTRY/demo/platforms:1.0', description: 'Pull two platforms of an index into the one image (containerd image store)'},
  ]

  static flags = {
    'all-tags': Flags.boolean({char: 'a', description: 'Download all tagged images in the repository'}),
    'certificate-identity': Flags.string({description: "cosign: the signing certificate's identity (SAN email or URI), exactly", exclusive: ['certificate-identity-regexp']}),
    'certificate-identity-regexp': Flags.string({description: "cosign: a regular expression (RE2, unanchored as in cosign) the certificate's identity must match"}),
    'certificate-oidc-issuer': Flags.string({description: 'cosign: the OIDC issuer in the signing certificate, exactly', exclusive: ['certificate-oidc-issuer-regexp']}),
    'certificate-oidc-issuer-regexp': Flags.string({description: "cosign: a regular expression (RE2, unanchored as in cosign) the certificate's OIDC issuer must match"}),
    'disable-content-trust': Flags.boolean({description: 'Skip image verification (content trust is on when DOCKER_CONTENT_TRUST is set)'}),
    'insecure-ignore-sct': Flags.boolean({description: 'cosign: accept keyless certificates without an embedded SCT (certificate transparency proof)'}),
    'insecure-ignore-tlog': Flags.boolean({description: 'cosign: accept signatures without a transparency log entry (a keyless certificate is then checked at the current time, or with --use-signed-timestamps at its RFC 3161 timestamp)'}),
    key: Flags.string({helpValue: 'FILE', description: 'cosign: verify signatures by this public key (PEM)'}),
    'notation-config': Flags.string({helpValue: 'DIR|default', description: "Verify Notary Project (notation) signatures by the trust policy and trust store in DIR (default: notation's own directory) before pulling (default: the notationConfig preference)"}),
    parallel: Flags.integer({description: 'How many pulls run at once: names on one engine, image × engine on several (default 3 names, 16 engines, or the parallel preference)', max: 64, min: 1}),
    'all-platforms': Flags.boolean({description: 'Pull every platform of the index into the one image (needs the containerd image store)'}),
    platform: Flags.string({description: 'Set platform if server is multi-platform capable (default $DOCKER_DEFAULT_PLATFORM, or the platform preference); several, repeated or comma-separated (linux/amd64,linux/arm64), are pulled into the one image (needs the containerd image store)', multiple: true, multipleNonGreedy: true}),
    quiet: Flags.boolean({char: 'q', description: 'Suppress verbose output: print only the pulled name'}),
    retry: Flags.integer({description: 'Try a pull again this many times when it fails in a way that may get better: the registry or engine unreachable or cut off, a registry 5xx or 429, a stall (default 0, or the retry preference)', max: 100, min: 0}),
    'retry-delay': Flags.string({description: 'Wait this long between attempts, e.g. 2s, 500ms (default 2s, doubling after each attempt)'}),
    'signature-policy': Flags.string({helpValue: 'FILE', description: 'Verify cosign signatures by this containers-policy.json before pulling (default: the signaturePolicy preference)'}),
    'stall-timeout': Flags.string({description: 'Abort a pull that brings no new bytes or status for this long, e.g. 30s; 0: never (default 5m, or the stallTimeout preference)'}),
    'use-signed-timestamps': Flags.boolean({description: "cosign: date signatures by an RFC 3161 timestamp from a timestamp authority of the trusted root, not by the log entry's integrated time (needed for Rekor v2 entries, which have none)"}),
    'trusted-root': Flags.string({helpValue: 'FILE', description: "cosign: the Sigstore TrustedRoot JSON (Fulcio CAs, Rekor logs, CT logs, timestamp authorities) signatures are checked against (default: the trustedRoot preference, else Sigstore's public-good root through TUF, cached under $XDG_CACHE_HOME/dkr)"}),
  }

  static strict = false
  static summary = 'Download an image from a registry'
  static usage = '[OPTIONS] NAME[:TAG|@DIGEST] [NAME...]'

  async run(): Promise<{images: PullResult[]}> {
    const {argv, flags} = await this.parse(ImagePull)
    const cli = await this.cli(flags)
    const preferences = cli.preferences
    const progress = preferences.progress.value
    // Flags win; then the progress preference may ask for quiet or JSON output as -q and --json would.
    const jsonFlag = this.jsonEnabled()
    const json = jsonFlag || (!flags.quiet && progress === 'json')
    const quiet = flags.quiet || (!jsonFlag && progress === 'quiet')
    const notationSetting = flags['notation-config'] ?? preferences.notationConfig.value
    if (flags['all-platforms'] && flags.platform) throw new UsageError('--all-platforms and --platform cannot be used together')
    const platforms = flags['all-platforms'] ? [] : platformList(flags.platform ?? (preferences.platform.value ? [preferences.platform.value] : []))
    const results = await runPull(cli, {
      all: flags['all-tags'],
      cosign: {
        certificateIdentity: flags['certificate-identity'],
        certificateIdentityRegexp: flags['certificate-identity-regexp'],
        certificateOidcIssuer: flags['certificate-oidc-issuer'],
        certificateOidcIssuerRegexp: flags['certificate-oidc-issuer-regexp'],
        insecureIgnoreSct: flags['insecure-ignore-sct'],
        insecureIgnoreTlog: flags['insecure-ignore-tlog'],
        key: flags.key,
        trustedRoot: flags['trusted-root'] ?? preferences.trustedRoot.value,
        useSignedTimestamps: flags['use-signed-timestamps'],
      },
      json,
      notationConfig: notationSetting === undefined ? undefined : notationConfigSetting(notationSetting, cli.streams.env),
      // Unset, the flow picks by what is pulled: a few names, or many engines.
      parallel: flags.parallel ?? (preferences.parallel.source === 'default' ? undefined : preferences.parallel.value),
      allPlatforms: flags['all-platforms'],
      platform: platforms.length === 1 ? platforms[0] : undefined,
      platforms: platforms.length > 1 ? platforms : undefined,
      progress: progress === 'tty' || progress === 'plain' ? progress : 'auto',
      quiet,
      rateLimit: preferences.rateLimit.value,
      remotes: argv as string[],
      retries: flags.retry ?? preferences.retry.value,
      retryDelayMs: flags['retry-delay'] === undefined ? undefined : parseDuration(flags['retry-delay'], '--retry-delay'),
      signaturePolicy: flags['signature-policy'] ?? preferences.signaturePolicy.value,
      stallTimeoutMs: parseDuration(flags['stall-timeout'] ?? preferences.stallTimeout.value, flags['stall-timeout'] === undefined ? 'the stallTimeout preference' : '--stall-timeout'),
      trusted: !flags['disable-content-trust'] && preferences.contentTrust.value,
    })
    const failure = failureReport(results)
    if (failure && json) {
      this.logJson({images: results})
      // Several engines: the line naming the failed ones goes to stderr beside the document.
      if (results.some((r) => r.engine !== undefined)) cli.streams.err.write(`${failure.message}\n`)
      this.exit(1)
    }

    if (failure) throw failure
    // oclif prints the returned document for --json; a json progress preference prints it here.
    if (json && !jsonFlag) this.logJson({images: results})
    return {images: results}
  }
}
