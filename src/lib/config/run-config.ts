// `dkr config …`: show, read and change dkr's preferences, with where each value comes from.
import {formatTable} from '../io/table.js'
import type {IOStreams} from '../io/streams.js'
import {loadStoredPreferences, parsePreference, preferenceKey, preferenceKeys, preferencesPath, resolvePreferences, storePreference, type Resolved} from '../preferences/preferences.js'

const shown = (value: unknown) => (value === undefined ? '' : String(value))
const sourceText = (resolved: Resolved<unknown>) => (resolved.from ? `${resolved.source} (${resolved.from})` : resolved.source)

async function resolved(streams: IOStreams) {
  const stored = await loadStoredPreferences(streams.env)
  if (stored.warning) streams.err.write(`${stored.warning}\n`)
  return resolvePreferences(streams.env, stored.values)
}

export async function runConfigList(streams: IOStreams, options: {json: boolean}): Promise<void> {
  const all = await resolved(streams)
  if (options.json) {
    streams.out.write(`${JSON.stringify(Object.fromEntries(preferenceKeys.map((key) => [key, {source: all[key].source, value: all[key].value ?? null, ...(all[key].from ? {from: all[key].from} : {})}])), null, 2)}\n`)
    return
  }

  streams.out.write(formatTable([['KEY', 'VALUE', 'SOURCE'], ...preferenceKeys.map((key) => [key, shown(all[key].value), sourceText(all[key])])]))
}

export async function runConfigGet(streams: IOStreams, name: string): Promise<void> {
  const key = preferenceKey(name)
  const all = await resolved(streams)
  streams.out.write(`${shown(all[key].value)}\n`)
}

export async function runConfigSet(streams: IOStreams, key: string, text: string): Promise<void> {
  const setAside = await storePreference(streams.env, key, parsePreference(key, text))
  if (setAside) streams.err.write(`The unreadable preferences file was kept as ${setAside}\n`)
}

export async function runConfigUnset(streams: IOStreams, key: string): Promise<void> {
  const setAside = await storePreference(streams.env, key, undefined)
  if (setAside) streams.err.write(`The unreadable preferences file was kept as ${setAside}\n`)
}

export function runConfigPath(streams: IOStreams): void {
  streams.out.write(`${preferencesPath(streams.env)}\n`)
}
