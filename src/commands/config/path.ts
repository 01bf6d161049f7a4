import {DkrCommand} from '../../lib/cli/base-command.js'
import {systemStreams} from '../../lib/io/streams.js'
import {runConfigPath} from '../../lib/config/run-config.js'

export default class ConfigPath extends DkrCommand {
  static description = "Print where dkr keeps its preferences ($XDG_CONFIG_HOME/dkr/config.json, else ~/.config/dkr/config.json)"
  static examples = [{command: '<%= config.bin %> config path', description: 'The preferences file'}]
  static summary = "Print the preferences file's path"

  async run(): Promise<void> {
    await this.parse(ConfigPath)
    runConfigPath(systemStreams())
  }
}
