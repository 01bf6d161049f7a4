// go-units HumanSize: decimal units, four significant digits (`36.45kB`, `1.064MB`, `20B`).
const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB']

export function humanSize(bytes: number): string {
  let size = bytes
  let unit = 0
  while (size >= 1000 && unit < units.length - 1) {
    size /= 1000
    unit += 1
  }

  return `${Number(size.toPrecision(4))}${units[unit]}`
}

/** Go's time.Duration.String for whole seconds: `4m37s`, `1h0m5s`, `9s`. */
export function durationString(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds))
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  if (h > 0) return `${h}h${m}m${s}s`
  if (m > 0) return `${m}m${s}s`
  return `${s}s`
}
