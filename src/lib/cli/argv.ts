// docker takes its global flags before the command (`docker -H tcp://… pull x`); oclif parses flags only
// after the command id. Leading global flags are moved behind the command words (and before any `--`,
// after which everything is an argument) so both habits work.

const valued = new Set(['-H', '--host', '-c', '--context', '--config', '-l', '--log-level', '--tlscacert', '--tlscert', '--tlskey'])
const bare = new Set(['-D', '--debug', '--tls', '--tlsverify'])

export function hoistGlobalFlags(argv: readonly string[]): string[] {
  const globals: string[] = []
  let i = 0
  while (i < argv.length) {
    const token = argv[i]
    const name = token.startsWith('--') ? token.split('=')[0] : token.slice(0, 2)
    if (bare.has(token)) {
      globals.push(token)
      i += 1
    } else if (valued.has(token) && i + 1 < argv.length) {
      globals.push(token, argv[i + 1])
      i += 2
    } else if (valued.has(name) && token.length > name.length) {
      // --host=tcp://… and -Htcp://… carry their value inline.
      globals.push(token)
      i += 1
    } else {
      break
    }
  }

  const rest = argv.slice(i)
  if (globals.length === 0 || rest.length === 0) return [...argv]
  const end = rest.indexOf('--')
  return end === -1 ? [...rest, ...globals] : [...rest.slice(0, end), ...globals, ...rest.slice(end)]
}
