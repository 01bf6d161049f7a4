// The part of docker's --format Go templates that scripts really use: `{{.Field.Sub}}`, `{{json .Field}}`
// and `{{json .}}`. Anything else is refused clearly instead of printing something half right.
import {DkrError} from '../errors.js'

const action = /\{\{\s*(json\s+)?\.([\w.]*)\s*\}\}/g

function lookup(data: unknown, path: string): unknown {
  if (path === '') return data
  let value: unknown = data
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined
    const record = value as Record<string, unknown>
    // Templates name Go fields (`APIVersion`) where the JSON has `ApiVersion`: match case-insensitively.
    value = key in record ? record[key] : record[Object.keys(record).find((k) => k.toLowerCase() === key.toLowerCase()) ?? key]
  }

  return value
}

/** Refuses a template with anything but the forms dkr renders, before there is data to render. */
export function checkTemplate(template: string): void {
  if (template.replaceAll(action, '').includes('{{')) throw new DkrError(`unsupported --format template: ${template} (dkr supports json, {{.Field.Sub}} and {{json .Field}})`)
}

/** JSON of a value the engine sent, which may be nested deeper than JSON.stringify can go. */
function jsonOf(value: unknown, template: string): string {
  try {
    return JSON.stringify(value ?? null)
  } catch {
    throw new DkrError(`template: ${template}: the value is nested too deeply to print`)
  }
}

/** Renders `template` against `data`, the way `docker … --format` does for these simple forms. */
export function renderTemplate(template: string, data: unknown): string {
  checkTemplate(template)
  return template.replaceAll(action, (_all, json: string | undefined, path: string) => {
    const value = lookup(data, path)
    if (json) return jsonOf(value, template)
    if (value === undefined || value === null) return '<no value>'
    return typeof value === 'object' ? jsonOf(value, template) : String(value)
  })
}
