// How much CPU and how many terminal bytes dkr and docker spend rendering the same pull: a synthetic
// engine serves 40 layers × 1,000 progress updates each (paced over a few seconds, like a real pull)
// on a unix socket; both clients pull from it in a pseudo-terminal and through a pipe, in this run,
// alternately. Machines here are noisy, so compare the ratios, not the absolute figures.
//   npm run bench [-- --layers 40 --updates 1000 --runs 3]
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {createServer} from 'node:http'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {parseArgs} from 'node:util'
import pty from 'node-pty'

const {values} = parseArgs({options: {layers: {default: '40', type: 'string'}, runs: {default: '3', type: 'string'}, updates: {default: '1000', type: 'string'}}})
const layers = Number(values.layers)
const updates = Number(values.updates)
const runs = Number(values.runs)
const dkrBin = resolve(import.meta.dirname, '..', 'bin', 'run.js')
const dir = mkdtempSync(join(tmpdir(), 'dkr-bench-'))
const socket = join(dir, 'engine.sock')

/** The stream dockerd sends for a pull, with `updates` Downloading messages per layer, interleaved. */
function syntheticStream(): string[] {
  const ids = Array.from({length: layers}, (_, i) => (0xa00000000000 + i * 7919).toString(16).slice(0, 12))
  const size = 50 * 1024 * 1024
  const start = Math.floor(Date.now() / 1000)
  const lines: object[] = [{id: 'bench', status: 'Pulling from demo/bench'}, ...ids.map((id) => ({id, progressDetail: {}, status: 'Pulling fs layer'}))]
  for (let step = 1; step <= updates; step++) {
    for (const id of ids) lines.push({id, progressDetail: {current: Math.floor((size * step) / updates), start, total: size}, status: 'Downloading'})
  }

  for (const id of ids) lines.push({id, progressDetail: {}, status: 'Download complete'}, {id, progressDetail: {}, status: 'Pull complete'})
  lines.push({status: `Digest: sha256:${'c'.repeat(64)}`}, {status: 'Status: Downloaded newer image for bench.invalid/demo/bench:1.0'})
  return lines.map((line) => `${JSON.stringify(line)}\n`)
}

const stream = syntheticStream()
const paceMs = 4000
const batches = 400

const server = createServer((request, response) => {
  if (request.url?.endsWith('/_ping')) {
    response.writeHead(200, {'Api-Version': '1.41', 'Content-Type': 'text/plain'})
    response.end(request.method === 'HEAD' ? undefined : 'OK')
    return
  }

  response.writeHead(200, {'Content-Type': 'application/json'})
  const perBatch = Math.ceil(stream.length / batches)
  let next = 0
  const timer = setInterval(() => {
    response.write(stream.slice(next, next + perBatch).join(''))
    next += perBatch
    if (next >= stream.length) {
      clearInterval(timer)
      response.end()
    }
  }, paceMs / batches)
  request.on('close', () => clearInterval(timer))
})

interface Measure {
  bytes: number
  cpuMs: number
}

/** Runs through bash so `times` can report the CPU the client used (user + system, children only). */
function wrapped(command: string[]): [string, string[]] {
  return ['bash', ['-c', '"$@"; times > "$TIMES_FILE"', 'bench', ...command]]
}

function cpuFrom(timesFile: string): number {
  const seconds = (text: string) => {
    const match = /(\d+)m([\d.]+)s/.exec(text)!
    return Number(match[1]) * 60 + Number(match[2])
  }

  const [, children] = readFileSync(timesFile, 'utf8').trim().split('\n')
  const [user, system] = children.split(/\s+/)
  return Math.round((seconds(user) + seconds(system)) * 1000)
}

const env: NodeJS.ProcessEnv = {...process.env, DOCKER_CLI_HINTS: 'false', DOCKER_CONFIG: dir, DOCKER_HOST: `unix://${socket}`, TERM: 'xterm-256color'}
delete env.NO_COLOR

function inPty(command: string[]): Promise<Measure> {
  const timesFile = join(dir, 'times')
  const [file, args] = wrapped(command)
  return new Promise((done) => {
    let bytes = 0
    const term = pty.spawn(file, args, {cols: 120, env: {...env, TIMES_FILE: timesFile} as Record<string, string>, name: 'xterm-256color', rows: 50})
    term.onData((data) => (bytes += Buffer.byteLength(data)))
    term.onExit(() => setTimeout(() => done({bytes, cpuMs: cpuFrom(timesFile)}), 50))
  })
}

function piped(command: string[]): Promise<Measure> {
  const timesFile = join(dir, 'times')
  const [file, args] = wrapped(command)
  return new Promise((done) => {
    let bytes = 0
    const child = spawn(file, args, {env: {...env, TIMES_FILE: timesFile}, stdio: ['ignore', 'pipe', 'pipe']})
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length))
    child.stderr.resume()
    child.on('close', () => done({bytes, cpuMs: cpuFrom(timesFile)}))
  })
}

const clients: Record<string, string[]> = {
  docker: ['docker', 'pull', 'bench.invalid/demo/bench:1.0'],
  dkr: [process.execPath, dkrBin, 'pull', 'bench.invalid/demo/bench:1.0'],
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

await new Promise<void>((ready) => server.listen(socket, ready))
try {
  console.log(`synthetic pull: ${layers} layers × ${updates} updates = ${stream.length} messages over ${paceMs / 1000} s; ${runs} runs each, medians`)
  for (const [mode, run] of [['terminal (pty 120×50)', inPty], ['pipe', piped]] as const) {
    const results: Record<string, Measure[]> = {docker: [], dkr: []}
    for (let i = 0; i < runs; i++) for (const [name, command] of Object.entries(clients)) results[name].push(await run(command))
    const summary = Object.fromEntries(Object.entries(results).map(([name, list]) => [name, {bytes: median(list.map((m) => m.bytes)), cpuMs: median(list.map((m) => m.cpuMs))}]))
    console.log(`\n${mode}`)
    for (const [name, m] of Object.entries(summary)) console.log(`  ${name.padEnd(7)} CPU ${String(m.cpuMs).padStart(6)} ms   output ${String(m.bytes).padStart(10)} bytes`)
    console.log(`  dkr/docker: CPU ${(summary.dkr.cpuMs / summary.docker.cpuMs).toFixed(2)}×, bytes ${(summary.dkr.bytes / summary.docker.bytes).toFixed(3)}×`)
  }
} finally {
  server.close()
  rmSync(dir, {force: true, recursive: true})
}
