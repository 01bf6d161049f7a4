// One pull onto a fleet of fake engines: N engines on unix sockets (test/helpers/fake-engine.ts), each
// replaying a recorded dockerd stream (test/fixtures/dockerd-pull-many-layers.jsonl, 14 layers) paced
// over about a second, and dkr pulling a pinned digest onto all of them in a pseudo-terminal. Reports
// dkr's peak memory, its CPU per engine, the stale lines left on the final screen (read back through a
// headless xterm), its terminal bytes against N `docker pull`s of the same stream (one measured, times N),
// and how wall time grows with the number of engines. A script, not a test: the machine is shared.
//   npm run bench:fleet [-- --engines 25,50,100,200 --parallel 64]
import {readFileSync, rmSync, writeFileSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {parseArgs} from 'node:util'
import pty from 'node-pty'
import {FakeEngine, type PullHandler} from '../test/helpers/fake-engine.js'
import {screenOf} from '../test/helpers/screen.js'

const {values} = parseArgs({options: {engines: {default: '25,50,100,200', type: 'string'}, parallel: {default: '64', type: 'string'}}})
const counts = values.engines.split(',').map(Number)
const root = resolve(import.meta.dirname, '..')
const dkrBin = join(root, 'bin', 'run.js')
const recorded = readFileSync(join(root, 'test', 'fixtures', 'dockerd-pull-many-layers.jsonl'), 'utf8').split('\n').filter(Boolean)
const paceMs = 1000
const columns = 120
const rows = 40
const image = `bench.invalid/demo/many@sha256:${'c'.repeat(64)}`
const dir = mkdtempSync(join(tmpdir(), 'dkr-bench-fleet-'))

/** The recorded stream, a few lines at a time over `paceMs`, as an engine sends a pull. */
const replay: PullHandler = (request, response) => {
  response.writeHead(200, {'Content-Type': 'application/json'})
  const batches = 20
  const perBatch = Math.ceil(recorded.length / batches)
  let next = 0
  const timer = setInterval(() => {
    response.write(recorded.slice(next, next + perBatch).map((line) => `${line}\n`).join(''))
    next += perBatch
    if (next >= recorded.length) {
      clearInterval(timer)
      response.end()
    }
  }, paceMs / batches)
  request.on('close', () => clearInterval(timer))
}

interface Run {
  wallMs: number
  cpuMs: number
  peakKib: number
  bytes: string
}

/** Runs a command in a pseudo-terminal under bench/rusage.py (wall, CPU and peak memory from wait4). */
function inPty(command: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const usage = join(dir, 'usage')
  return new Promise((done) => {
    let bytes = ''
    const term = pty.spawn('python3', [join(root, 'bench', 'rusage.py'), usage, ...command], {cols: columns, env: env as Record<string, string>, name: 'xterm-256color', rows})
    term.onData((data) => (bytes += data))
    term.onExit(() => setTimeout(() => {
      const [wallMs, cpuMs, peakKib] = readFileSync(usage, 'utf8').trim().split(' ').map(Number)
      done({bytes, cpuMs, peakKib, wallMs})
    }, 50))
  })
}

const env: NodeJS.ProcessEnv = {...process.env, DOCKER_CLI_HINTS: 'false', DOCKER_CONFIG: dir, TERM: 'xterm-256color'}
delete env.NO_COLOR
delete env.DOCKER_HOST
writeFileSync(join(dir, 'config.json'), '{}')

/** Lines of the final screen (scrollback included) still showing an engine at work: there should be none. */
async function staleLines(bytes: string): Promise<string[]> {
  const screen = await screenOf(bytes, columns, rows)
  return screen.filter((line) => /^\S+ +(connecting|pulling|retrying|tagging)\b/.test(line) || /more pulling$/.test(line))
}

const engines: FakeEngine[] = []
try {
  const most = Math.max(...counts)
  for (let i = 0; i < most; i++) {
    const engine = new FakeEngine(replay)
    await engine.start()
    engines.push(engine)
  }

  const docker = await inPty(['docker', '-H', engines[0].host, 'pull', image], env)
  console.log(`recorded stream: ${recorded.length} messages, 14 layers, paced over ${paceMs} ms per engine; pty ${columns}×${rows}; --parallel ${values.parallel}`)
  console.log(`one docker pull: ${docker.bytes.length} terminal bytes\n`)
  console.log('engines   wall ms   CPU ms   CPU/engine   peak MiB   bytes      bytes vs N docker pulls   stale lines')
  for (const count of counts) {
    const hosts = engines.slice(0, count).flatMap((engine) => ['-H', engine.host])
    const dkr = await inPty([process.execPath, dkrBin, 'pull', '--parallel', values.parallel, ...hosts, image], env)
    const stale = await staleLines(dkr.bytes)
    const ratio = dkr.bytes.length / (docker.bytes.length * count)
    console.log(`${String(count).padStart(7)}   ${dkr.wallMs.toFixed(0).padStart(7)}   ${dkr.cpuMs.toFixed(0).padStart(6)}   ${(dkr.cpuMs / count).toFixed(2).padStart(10)}   ${(dkr.peakKib / 1024).toFixed(1).padStart(8)}   ${String(dkr.bytes.length).padStart(8)}   ${`1/${(1 / ratio).toFixed(0)}`.padStart(23)}   ${String(stale.length).padStart(11)}`)
    if (stale.length > 0) console.log(stale.map((line) => `    stale: ${line}`).join('\n'))
  }
} finally {
  for (const engine of engines) await engine.stop()
  rmSync(dir, {force: true, recursive: true})
}
