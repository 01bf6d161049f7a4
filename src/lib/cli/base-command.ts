// What every dkr command shares: docker's global flags, docker-style errors and exit codes, signal
// handling, and the Cli context (streams, config, engine) handed to the flows in src/lib.
import {Command, Errors, Flags, type Interfaces} from '@oclif/core'
import {dockerConfigDir} from '../credentials/config-dir.js'
import {loadConfig} from '../credentials/config-file.js'
import {DockerodeEngine} from '../engine/client.js'
import {contextName, selectEndpoints} from '../engine/endpoint.js'
import {loadStoredPreferences, resolvePreferences} from '../preferences/preferences.js'
import {colorEnabled, loadPaint} from '../io/color.js'
import {isCancelled, UsageError} from '../errors.js'
import {terminalPrompter} from '../io/prompt.js'
import {tookCodePath} from '../io/code-paths.js'
import type {Cli, NamedEngine} from './context.js'
import {systemStreams} from '../io/streams.js'
import {describeParseError} from './usage.js'

const global = 'GLOBAL'

export type GlobalFlags = Interfaces.InferredFlags<typeof DkrCommand.baseFlags>

export abstract class DkrCommand extends Command {
  static baseFlags = {
    config: Flags.string({description: 'Location of client config files (default ~/.docker)', helpGroup: global}),
    context: Flags.string({char: 'c', delimiter: ',', description: 'Name of the context to use to connect to the daemon (overrides DOCKER_HOST and the current context); a pull takes several, repeated or comma-separated, each a name or a glob (\'edge-*\')', helpGroup: global, multiple: true, multipleNonGreedy: true}),
    debug: Flags.boolean({char: 'D', description: 'Enable debug mode', helpGroup: global}),
    host: Flags.string({char: 'H', description: 'Daemon socket to connect to; a pull takes several (repeated)', helpGroup: global, multiple: true, multipleNonGreedy: true}),
    'log-level': Flags.option({options: ['debug', 'info', 'warn', 'error', 'fatal'] as const})({char: 'l', default: 'info', description: 'Set the logging level', helpGroup: global}),
    tls: Flags.boolean({description: 'Use TLS; implied by --tlsverify', helpGroup: global}),
    tlscacert: Flags.string({description: 'Trust certs signed only by this CA (default ~/.docker/ca.pem)', helpGroup: global}),
    tlscert: Flags.string({description: 'Path to TLS certificate file (default ~/.docker/cert.pem)', helpGroup: global}),
    tlskey: Flags.string({description: 'Path to TLS key file (default ~/.docker/key.pem)', helpGroup: global}),
    tlsverify: Flags.boolean({description: 'Use TLS and verify the remote', helpGroup: global}),
  }

  private debugEnabled = false
  /** The `color` preference once known; before that (bad flags), the environment's word. */
  private colorMode: 'always' | 'auto' | 'never' | undefined
  private readonly controller = new AbortController()
  private removeSignalHandlers: (() => void) | undefined

  /** Builds the Cli context from the parsed global flags. */
  protected async cli(flags: GlobalFlags): Promise<Cli> {
    this.debugEnabled = flags.debug || flags['log-level'] === 'debug'
    const streams = systemStreams()
    const configDir = dockerConfigDir(flags.config, streams.env)
    const config = await loadConfig(configDir)
    const {context: contexts, host: hosts, ...rest} = flags
    const endpointOptions = {...rest, configDir, context: contexts?.[0], contexts, currentContext: config.config.currentContext, env: streams.env, host: hosts?.[0], hosts}
    // Fails now on conflicting --host/--context, as docker does; the context itself is read only when the engine is needed.
    contextName(endpointOptions)
    const stored = await loadStoredPreferences(streams.env)
    if (stored.warning) streams.err.write(`${stored.warning}\n`)
    const preferences = resolvePreferences(streams.env, stored.values)
    this.colorMode = preferences.color.value
    let engines: NamedEngine[] | undefined
    const userAgent = `dkr/${this.config.version}`
    const selected = () => (engines ??= selectEndpoints(endpointOptions).map(({endpoint, name}) => ({client: new DockerodeEngine(endpoint, streams.env, userAgent), name})))
    this.trapSignals()
    return {
      configDir,
      debug: (message) => this.debugLine(message),
      endpointOptions,
      engine() {
        const all = selected()
        if (all.length > 1) throw new UsageError(`this command works on one engine; --context and --host name ${all.length}`)
        return all[0].client
      },
      engines: selected,
      loadConfig: () => loadConfig(configDir),
      now: () => Date.now(),
      preferences,
      prompt: terminalPrompter(),
      signal: this.controller.signal,
      spinner: (text) => startSpinner(text),
      streams,
    }
  }

  protected debugLine(message: string): void {
    if (this.debugEnabled) process.stderr.write(`DEBU ${message}\n`)
  }

  /** Ctrl-C and SIGTERM abort the request (the engine then cancels the pull); a second Ctrl-C exits at once. */
  private trapSignals(): void {
    const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
      if (this.controller.signal.aborted) process.exit(signal === 'SIGTERM' ? 143 : 130)
      this.controller.abort(signal)
    }

    const onInt = () => onSignal('SIGINT')
    const onTerm = () => onSignal('SIGTERM')
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)
    this.removeSignalHandlers = () => {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
    }
  }

  protected override async finally(error: Error | undefined): Promise<void> {
    tookCodePath(`command:${this.id}`)
    this.removeSignalHandlers?.()
    return super.finally(error)
  }

  /** The only place errors are printed: one line (docker's wording), a stack trace only with --debug. */
  protected override async catch(error: Error & {exitCode?: number; hint?: string; oclif?: {exit?: number}}): Promise<never> {
    if (error instanceof Errors.ExitError) throw error
    const debug = this.debugEnabled || this.argv.includes('--debug') || this.argv.includes('-D')
    let exitCode = error.exitCode ?? 1
    if (isCancelled(error)) {
      throw new Errors.ExitError(exitCode)
    }

    const usage = error instanceof UsageError ? {exitCode: 125, text: error.message} : describeParseError(error, `${this.config.bin} ${this.commandWords()}`.trim(), Object.keys(this.ctor.args ?? {}).length)
    if (usage !== undefined) {
      exitCode = usage.exitCode
      process.stderr.write(`${usage.text}\n\nUsage:  ${this.config.bin} ${this.usageLine()}\n\nRun '${this.config.bin} ${this.commandWords()} --help' for more information\n`)
    } else {
      const mode = this.colorMode ?? resolvePreferences(process.env, {}).color.value
      const paint = await loadPaint(colorEnabled(mode, process.env, Boolean(process.stderr.isTTY)))
      process.stderr.write(`${paint.red(error.message)}\n`)
      if (error.hint) process.stderr.write(`${error.hint}\n`)
      if (debug && error.stack) process.stderr.write(`${error.stack}\n`)
    }

    throw new Errors.ExitError(exitCode)
  }

  /** The command as a user types it: `image pull`, not oclif's `image:pull`. */
  private commandWords(): string {
    return (this.id ?? '').replaceAll(':', ' ')
  }

  /** Usage texts leave out the command, as oclif's help wants, so an alias (`pull`) shows itself. */
  private usageLine(): string {
    const usage = this.ctor.usage
    return [this.commandWords(), Array.isArray(usage) ? usage[0] : usage].filter(Boolean).join(' ')
  }
}

/**
 * An ora spinner on stderr, shown only if the phase lasts long enough to notice (no flash on fast pulls).
 * Callers start it only when stderr is a terminal, so it is always enabled (ora would otherwise print a
 * static line under CI=true, even on a terminal).
 */
function startSpinner(text: string): Promise<{stop(): void}> {
  let stopped = false
  let spinner: {stop(): void} | undefined
  const timer = setTimeout(async () => {
    const {default: ora} = await import('ora')
    if (!stopped) spinner = ora({discardStdin: false, isEnabled: true, stream: process.stderr, text}).start()
  }, 150)
  return Promise.resolve({
    stop() {
      stopped = true
      clearTimeout(timer)
      spinner?.stop()
    },
  })
}
