import {Args} from '@oclif/core'
import {DkrCommand} from '../../lib/cli/base-command.js'
import {systemStreams} from '../../lib/io/streams.js'
import {runConfigGet} from '../../lib/config/run-config.js'

export default class ConfigGet extends DkrCommand {
  static args = {key: Args.string({description: 'color, contentTrust, parallel, platform or progress', required: true})}
  static description = 'Print the value a preference has now (after the environment and the config file)'
  static examples = [{command: '<%= config.bin %> config get progress', description: 'How pulls render'}]
  static summary = 'Print one preference'
  static usage = 'KEY'

  async run(): Promise<void> {
    const {args} = await this.parse(ConfigGet)
    await runConfigGet(systemStreams(), args.key)
  }
}
