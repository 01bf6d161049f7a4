// A dockerd of a test's own (never the stack's shared one), for faults that kill the engine: started in
// a temp directory on a unix socket, killed for real (SIGKILL, as a crash or the OOM killer would), and
// started again on the same data root. Its managed containerd is found by its exec root and stopped too.
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, openSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {request} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {run} from './run.js'

export class OwnDockerd {
  readonly dir = mkdtempSync(join(tmpdir(), 'dkr-own-dockerd-'))
  readonly socketPath = join(this.dir, 'docker.sock')
  private child: ChildProcess | undefined
  private starts = 0

  get host(): string {
    return `unix://${this.socketPath}`
  }

  /** Starts it (again) and waits until it answers /_ping. */
  async start(): Promise<void> {
    const d = this.dir
    // A fresh exec root each time: a killed engine's containerd.pid could name a process not yet reaped.
    const execRoot = join(d, `exec-${this.starts++}`)
    this.child = spawn('dockerd', ['--host', this.host, '--data-root', join(d, 'data'), '--exec-root', execRoot, '--pidfile', join(d, 'docker.pid'),
      '--iptables=false', '--ip6tables=false', '--bridge=none', '--storage-driver=vfs', '--containerd-namespace', 'dkr-own', '--containerd-plugins-namespace', 'dkr-own-plugins'],
    {detached: true, stdio: ['ignore', 'ignore', openSync(join(d, 'dockerd.log'), 'a')]})
    const child = this.child
    const deadline = Date.now() + 30_000
    // Its own answer, not a survivor's: the child must still be alive once the socket answers.
    while (!(await this.answers()) || child.exitCode !== null) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`dockerd did not start (exit ${child.exitCode}): ${readFileSync(join(d, 'dockerd.log'), 'utf8').split('\n').slice(-4).join('\n')}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  private answers(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = request({path: '/_ping', socketPath: this.socketPath}, (res) => {
        res.resume()
        resolve(res.statusCode === 200)
      })
      req.on('error', () => resolve(false))
      req.end()
    })
  }

  /**
   * SIGKILL to dockerd and its containerd: the engine dies at once, mid-request; its socket file stays
   * behind (stale).
   */
  async kill(): Promise<void> {
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) throw new Error('dockerd is not running')
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    for (const pid of this.containerdPids()) process.kill(pid, 'SIGKILL')
    await exited
  }

  async pull(reference: string): Promise<void> {
    const result = await run('docker', ['pull', '-q', reference], {env: {...process.env, DOCKER_HOST: this.host}, timeoutMs: 60_000})
    if (result.code !== 0) throw new Error(`docker pull ${reference}: ${result.stderr}`)
  }

  async imageExists(reference: string): Promise<boolean> {
    return (await run('docker', ['image', 'inspect', reference], {env: {...process.env, DOCKER_HOST: this.host}})).code === 0
  }

  /** The containerd this dockerd started (and left running when it was killed): found by its exec root. */
  private containerdPids(): number[] {
    return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        return cmdline.startsWith('containerd') && cmdline.includes(this.dir) ? [Number(pid)] : []
      } catch {
        return []
      }
    })
  }

  /** Stops it and its containerd, unmounts what it mounted, removes its directory. */
  async stop(): Promise<void> {
    const child = this.child
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))])
      child.kill('SIGKILL')
    }

    for (const pid of this.containerdPids()) process.kill(pid, 'SIGKILL')
    // dockerd bind-mounts its data root; a killed one leaves mounts that block removing the directory.
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((line) => line.split(' ')[4]).filter((point) => point?.startsWith(`${this.dir}/`))
    for (const point of mounts.sort().reverse()) await run('umount', ['-l', point])
    rmSync(this.dir, {force: true, recursive: true})
  }
}
