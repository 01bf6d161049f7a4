// docker context ls / use over docker's own context store, so contexts made by `docker context create`
// are listed and chosen here, and a choice made here is docker's choice too (config.json currentContext).
import type {Cli} from '../cli/context.js'
import {DkrError} from '../errors.js'
import {updateConfig} from '../credentials/config-file.js'
import {contextName, defaultContextName, listStoredContexts, parseHost, readContext} from '../engine/endpoint.js'
import {formatTable} from '../io/table.js'

export interface ContextRow {
  Name: string
  Description: string
  DockerEndpoint: string
  Current: boolean
  Error: string
}

const hostOverrideWarning = (target: string) =>
  `Warning: DOCKER_HOST environment variable overrides the active context. To use ${target}, either set the global --context flag, or unset DOCKER_HOST environment variable.\n`

/** The built-in context and the stored ones, sorted by name as docker sorts them, the current one marked. */
export function contextRows(cli: Cli): ContextRow[] {
  const options = cli.endpointOptions
  const current = contextName(options)
  const defaultHost = (() => {
    try {
      return parseHost(options.host ?? options.env.DOCKER_HOST ?? '', false).host
    } catch (error) {
      return `(${(error as Error).message})`
    }
  })()
  const rows: ContextRow[] = [
    {Current: current === defaultContextName, Description: 'Current DOCKER_HOST based configuration', DockerEndpoint: defaultHost, Error: '', Name: defaultContextName},
    ...listStoredContexts(options.configDir).map((c) => ({Current: c.name === current, Description: c.description, DockerEndpoint: c.host, Error: '', Name: c.name})),
  ]
  return rows.sort((a, b) => a.Name.localeCompare(b.Name, 'en', {numeric: true}))
}

export function runContextList(cli: Cli, options: {format?: string; quiet: boolean}): void {
  const {env} = cli.endpointOptions
  if (env.DOCKER_HOST) cli.streams.err.write(hostOverrideWarning('a context'))
  const rows = contextRows(cli)
  const {out} = cli.streams
  if (options.quiet) {
    for (const row of rows) out.write(`${row.Name}\n`)
  } else if (options.format === 'json') {
    for (const row of rows) out.write(`${JSON.stringify({Current: row.Current, Description: row.Description, DockerEndpoint: row.DockerEndpoint, Error: row.Error, Name: row.Name})}\n`)
  } else {
    const table = [['NAME', 'DESCRIPTION', 'DOCKER ENDPOINT', 'ERROR'], ...rows.map((r) => [r.Current ? `${r.Name} *` : r.Name, r.Description, r.DockerEndpoint, r.Error])]
    out.write(formatTable(table))
  }
}

/** Makes `name` the current context in config.json (docker's `default` is the absence of one). */
export async function runContextUse(cli: Cli, name: string): Promise<void> {
  if (name !== defaultContextName) readContext(cli.configDir, name)
  try {
    const {warning} = await updateConfig(cli.configDir, (config) => {
      if (name === defaultContextName) delete config.currentContext
      else config.currentContext = name
    })
    if (warning) cli.streams.err.write(`${warning}\n`)
  } catch (error) {
    throw new DkrError(`cannot set the current context: ${(error as Error).message}`, {hint: (error as DkrError).hint})
  }

  cli.streams.out.write(`${name}\n`)
  cli.streams.err.write(`Current context is now "${name}"\n`)
  if (cli.endpointOptions.env.DOCKER_HOST && name !== defaultContextName) cli.streams.err.write(hostOverrideWarning(`"${name}"`))
}
