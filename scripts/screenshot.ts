// Regenerates docs/pull.svg, the README's picture of a pull: a real `dkr image pull` through the demo
// stack's throttled registry, in a pseudo-terminal, captured mid-pull and drawn as SVG text.
//   npm run screenshot   (uses the stack in the environment, or starts one)
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import xterm from '@xterm/headless'
import pty from 'node-pty'
import {ensureStack} from './stack-env.js'

const root = resolve(import.meta.dirname, '..')
const columns = 120
const rows = 14

const stopStack = ensureStack()

const image = `${process.env.DKR_SLOW_REGISTRY}/demo/large:1.0`
const configDir = mkdtempSync(join(tmpdir(), 'dkr-shot-config-'))
const env = {...process.env, DOCKER_CONFIG: configDir, TERM: 'xterm-256color'}
execFileSync('docker', ['image', 'rm', '-f', image], {env, stdio: 'ignore'})

/** The screen once the pull is well under way (a total line and a half-done layer), as text lines. */
function capture(): Promise<string[]> {
  const terminal = new xterm.Terminal({allowProposedApi: true, cols: columns, rows})
  return new Promise((done) => {
    let taken: string[] | undefined
    const term = pty.spawn(process.execPath, [join(root, 'bin', 'run.js'), 'image', 'pull', image], {cols: columns, env: env as Record<string, string>, name: 'xterm-256color', rows})
    term.onData((data) => {
      terminal.write(data, () => {
        const lines = Array.from({length: rows}, (_, i) => terminal.buffer.active.getLine(terminal.buffer.active.viewportY + i)?.translateToString(true) ?? '')
        const halfway = lines.some((l) => /Downloading +\[=+>/.test(l))
        if (!taken && halfway && lines.some((l) => l.startsWith('Total:'))) taken = lines
      })
    })
    term.onExit(() => setTimeout(() => done(taken ?? []), 100))
  })
}

const escape = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')

try {
  const lines = [`$ dkr image pull ${image.replace(/^[^/]+/, 'localhost:5000')}`, ...(await capture()).map((l) => l.replaceAll(process.env.DKR_SLOW_REGISTRY!, 'localhost:5000'))]
  while (lines.length > 0 && lines.at(-1) === '') lines.pop()
  const lineHeight = 18
  const width = columns * 8.4 + 32
  const height = lines.length * lineHeight + 32
  const text = lines.map((line, i) => `  <text x="16" y="${28 + i * lineHeight}" xml:space="preserve">${escape(line)}</text>`).join('\n')
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">
  <rect width="100%" height="100%" rx="8" fill="#1e1e1e"/>
  <g fill="#d4d4d4">
${text}
  </g>
</svg>
`
  writeFileSync(join(root, 'docs', 'pull.svg'), svg)
  console.log(`docs/pull.svg: ${lines.length} lines`)
} finally {
  execFileSync('docker', ['image', 'rm', '-f', image], {env, stdio: 'ignore'})
  stopStack()
  rmSync(configDir, {force: true, recursive: true})
}
