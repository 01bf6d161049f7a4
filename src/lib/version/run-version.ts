// docker version: the client's facts (here dkr's and Node's), then the engine's, laid out as docker lays
// them out; `--format json` (or a simple Go template) for scripts. With the engine down the client part
// is still printed before the error, as docker does; with no endpoint at all, only the error.
import type {Cli} from '../cli/context.js'
import {checkTemplate, renderTemplate} from '../io/go-template.js'
import {clientApiVersion, type ServerVersion} from '../engine/client.js'
import {contextName} from '../engine/endpoint.js'

export interface ClientVersion {
  Version: string
  ApiVersion: string
  DefaultAPIVersion: string
  NodeVersion: string
  Os: string
  Arch: string
  Context: string
}

export interface VersionReport {
  Client: ClientVersion
  Server: ServerVersion | null
}

/** Node's names for architectures, in Go's (and so docker's) words. */
const goArch: Record<string, string> = {arm: 'arm', arm64: 'arm64', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', x64: 'amd64'}

/** Where docker's labels end and values begin. */
const valueColumn = 20

const line = (indent: string, label: string, value: string) => `${`${indent}${label}:`.padEnd(valueColumn)}${value}\n`

/** Go's time.ANSIC, which docker prints build times in. */
function ansic(time: string | undefined): string {
  const date = time ? new Date(time) : undefined
  if (!date || Number.isNaN(date.getTime())) return time ?? ''
  const [weekday, day, month, year, clock] = date.toUTCString().replace(',', '').split(' ').filter(Boolean) as [string, string, string, string, string]
  return `${weekday} ${month} ${day.replace(/^0/, ' ')} ${clock} ${year}`
}

function clientSection(client: ClientVersion): string {
  const api = client.ApiVersion === client.DefaultAPIVersion ? client.ApiVersion : `${client.ApiVersion} (downgraded from ${client.DefaultAPIVersion})`
  return `Client:\n${line(' ', 'Version', client.Version)}${line(' ', 'API version', api)}${line(' ', 'Node version', client.NodeVersion)}${line(' ', 'OS/Arch', `${client.Os}/${client.Arch}`)}${line(' ', 'Context', client.Context)}`
}

/**
 * The engine's components in the order it sent them, as docker prints them. An engine that lists no
 * `Engine` component (podman lists its own) gets one made from the top-level fields, appended last,
 * as docker does.
 */
function serverSection(server: ServerVersion): string {
  let text = `\nServer:${server.Platform?.Name ? ` ${server.Platform.Name}` : ''}\n`
  const components = server.Components ?? []
  const engine = components.find((c) => c.Name === 'Engine') ?? {Name: 'Engine', Version: server.Version ?? ''}
  const details = engine.Details ?? {}
  for (const component of components.some((c) => c === engine) ? components : [...components, engine]) {
    text += ` ${component.Name}:\n`
    if (component !== engine) {
      text += line('  ', 'Version', component.Version)
      for (const key of Object.keys(component.Details ?? {}).sort()) text += line('  ', key, component.Details![key])
      continue
    }

    text += line('  ', 'Version', server.Version ?? engine.Version)
    text += line('  ', 'API version', `${server.ApiVersion ?? details.ApiVersion ?? ''} (minimum version ${server.MinAPIVersion ?? details.MinAPIVersion ?? ''})`)
    text += line('  ', 'Go version', server.GoVersion ?? details.GoVersion ?? '')
    text += line('  ', 'Git commit', server.GitCommit ?? details.GitCommit ?? '')
    text += line('  ', 'Built', ansic(server.BuildTime))
    text += line('  ', 'OS/Arch', `${server.Os ?? ''}/${server.Arch ?? ''}`)
    text += line('  ', 'Experimental', String(details.Experimental ?? server.Experimental ?? false))
  }

  return text
}

export async function runVersion(cli: Cli, options: {format?: string; dkrVersion: string}): Promise<void> {
  const client: ClientVersion = {
    ApiVersion: cli.streams.env.DOCKER_API_VERSION || clientApiVersion,
    Arch: goArch[process.arch] ?? process.arch,
    Context: contextName(cli.endpointOptions),
    DefaultAPIVersion: clientApiVersion,
    NodeVersion: process.version,
    Os: process.platform,
    Version: options.dkrVersion,
  }
  const {out} = cli.streams
  const format = options.format === 'json' ? '{{json .}}' : options.format
  // A bad template fails before the engine is asked anything.
  if (format) checkTemplate(format)
  // An endpoint that cannot be resolved (DOCKER_HOST=bogus://x) fails before anything is printed, as docker.
  const engine = cli.engine()
  let server: ServerVersion
  try {
    const answer = await engine.version(cli.signal)
    client.ApiVersion = answer.apiVersion
    server = answer.server
  } catch (error) {
    if (!format) out.write(clientSection(client))
    throw error
  }

  if (format) out.write(`${renderTemplate(format, {Client: client, Server: server} satisfies VersionReport)}\n`)
  else out.write(`${clientSection(client)}${serverSection(server)}`)
}
