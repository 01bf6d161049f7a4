// Children that outlive their parent: a `#!/bin/sh` program that forks a `sleep 300` (holding its
// stdout open), and who is still alive in a process group afterwards.
import {chmodSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'

/** Writes the program at `path`; the returned function reads its process group once it has run. */
export function writeForkingProgram(path: string, beforeSleep = ''): () => number {
  writeFileSync(path, `#!/bin/sh\necho $$ > ${path}.pid\n${beforeSleep}/bin/sleep 300\n`)
  chmodSync(path, 0o755)
  return () => Number(readFileSync(`${path}.pid`, 'utf8'))
}

/** The live (not zombie) processes of a process group: field 5 of /proc/PID/stat. */
export function processGroup(group: number): number[] {
  const members: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(pgrp) === group && state !== 'Z') members.push(Number(entry))
    } catch {
      // gone meanwhile
    }
  }

  return members
}
