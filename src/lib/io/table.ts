// Columns as docker's tabwriter lays them out: each cell but the last padded to its column's widest
// cell plus three spaces.
const padding = 3

export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] + padding))).join('') + '\n').join('')
}
