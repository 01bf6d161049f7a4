import {Args, Command, Flags} from '@oclif/core'
import {addContextNames} from '../../lib/completion/context-names.js'

/**
 * Takes the place of @oclif/plugin-autocomplete's `autocomplete` (the root plugin's command wins over a
 * plugin's): runs the plugin's, which writes the completion files and prints the setup steps, then
 * adds context names to the bash and zsh files.
 */
export default class Autocomplete extends Command {
  static args = {
    shell: Args.string({description: 'Shell type', options: ['zsh', 'bash', 'powershell'], required: false}),
  }

  static description = `Display autocomplete installation instructions

Completes command names, flags, fixed flag values, and context names after --context/-c and after
\`context use\` (read from \`dkr context ls -q\` when Tab is pressed). The files live under $XDG_CACHE_HOME/dkr.`

  static examples = [
    {command: '<%= config.bin %> autocomplete bash', description: 'Write the bash completion files and print how to enable them'},
    {command: '<%= config.bin %> autocomplete zsh', description: 'The same for zsh'},
    {command: '<%= config.bin %> autocomplete --refresh-cache', description: 'Rewrite the files after an upgrade, without the instructions'},
  ]

  static flags = {
    'refresh-cache': Flags.boolean({char: 'r', description: 'Refresh cache (ignores displaying instructions)'}),
  }

  static summary = 'Display autocomplete installation instructions'
  static usage = '[SHELL] [--refresh-cache]'

  /** It runs a plugin's command: src/main.ts loads the plugins for it (it skips them for dkr's other commands). */
  static needsPlugins = true

  async run(): Promise<void> {
    await this.parse(Autocomplete)
    const plugin = this.config.plugins.get('@oclif/plugin-autocomplete')
    const original = await plugin?.findCommand('autocomplete', {must: true})
    if (!original) this.error('@oclif/plugin-autocomplete is not installed')
    await original.run(this.argv, this.config)
    await addContextNames(this.config.cacheDir, this.config.bin)
  }
}
