// What bin/run.js runs for every command: docker accepts its global flags before the command
// (`dkr -H tcp://… image pull x`); oclif only parses flags after the command id, so they are moved
// there before oclif sees argv.
import {Config, execute, Plugin} from '@oclif/core'
import {hoistGlobalFlags} from './lib/cli/argv.js'

/** `root`: dkr's root directory, where oclif finds package.json and the manifest (bin/start.js). */
export async function main(args: string[], root: string): Promise<void> {
  const argv = hoistGlobalFlags(args)
  await execute({args: argv, loadOptions: (await ownCommandConfig(argv, root)) ?? root})
}

/**
 * When argv names one of dkr's own commands (not help, completion or an unknown name, which need the
 * plugins), oclif's Config with dkr's plugin alone, from the shipped manifest: discovering and loading
 * plugin-help and plugin-autocomplete is most of what Config.load costs. The command still runs through
 * oclif as always (test/e2e/standalone.test.ts compares the two over an argv corpus). DKR_PLAIN_OCLIF=1 turns
 * this off.
 */
async function ownCommandConfig(argv: string[], root: string): Promise<Config | undefined> {
  if (process.env.DKR_PLAIN_OCLIF) return undefined
  const plugin = new Plugin({isRoot: true, root})
  await plugin.load()
  const firstFlag = argv.findIndex((word) => word.startsWith('-'))
  const words = firstFlag === -1 ? argv : argv.slice(0, firstFlag)
  const own = plugin.commands.some((command) => !command.needsPlugins && [command.id, ...command.aliases].some((id) => named(id, words)))
  return own ? Config.load({plugins: new Map([[plugin.name, plugin]]), root}) : undefined
}

/** Whether the command words start with this id (`image:pull` is typed `image pull`). */
function named(id: string, words: string[]): boolean {
  const parts = id.split(':')
  return parts.every((part, index) => words[index] === part)
}
