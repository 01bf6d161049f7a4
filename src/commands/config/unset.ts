import {Args} from '@oclif/core'
import {DkrCommand} from '../../lib/cli/base-command.js'
import {systemStreams} from '../../lib/io/streams.js'
import {runConfigUnset} from '../../lib/config/run-config.js'

export default class ConfigUnset extends DkrCommand {
  static args = {key: Args.string({description: 'color, contentTrust, parallel, platform or progress', required: true})}
  static description = 'Remove a preference from the config file, so its default (or the environment) applies again'
  static examples = [{command: '<%= config.bin %> config unset progress', description: 'Back to automatic progress'}]
  static summary = 'Unset a preference'
  static usage = 'KEY'

  async run(): Promise<void> {
    const {args} = await this.parse(ConfigUnset)
    await runConfigUnset(systemStreams(), args.key)
  }
}
