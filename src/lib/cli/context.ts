// The context a flow runs in: streams, docker's config, the engine, cancellation, clock. Commands
// build the real one (DkrCommand.cli); tests build their own with fake streams or engines.
import type {LoadedConfig} from '../credentials/config-file.js'
import type {EngineClient} from '../engine/client.js'
import type {EndpointOptions} from '../engine/endpoint.js'
import type {ResolvedPreferences} from '../preferences/preferences.js'
import type {Prompter} from '../io/prompt.js'
import type {IOStreams} from '../io/streams.js'

/** An engine and the name its lines and results show (its context's, or its host's). */
export interface NamedEngine {
  name: string
  client: EngineClient
}

export interface Cli {
  streams: IOStreams
  configDir: string
  /** Reads config.json as it is now (a login in between is seen). */
  loadConfig(): Promise<LoadedConfig>
  /** What the endpoint is resolved from (flags, environment, config), for commands that show it. */
  endpointOptions: EndpointOptions
  /** The one engine the command talks to (a usage error when the flags name several). */
  engine(): EngineClient
  /** Every engine the flags name (one, unless -c/-H name several), in the order given. */
  engines(): NamedEngine[]
  /** Aborted on Ctrl-C (reason 'SIGINT') or SIGTERM (reason 'SIGTERM'). */
  signal: AbortSignal
  now(): number
  debug(message: string): void
  /** A spinner on stderr for the quiet phases before a stream starts (callers use it on a TTY only). */
  spinner(text: string): Promise<{stop(): void}>
  /** dkr's own preferences, each resolved from environment, config file and default (flags are the command's). */
  preferences: ResolvedPreferences
  /** Asks on the terminal; callers check that stdin is one first. */
  prompt: Prompter
}
