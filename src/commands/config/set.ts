import {Args} from '@oclif/core'
import {DkrCommand} from '../../lib/cli/base-command.js'
import {systemStreams} from '../../lib/io/streams.js'
import {runConfigSet} from '../../lib/config/run-config.js'

export default class ConfigSet extends DkrCommand {
  static args = {
    key: Args.string({description: 'color, contentTrust, parallel, platform or progress', required: true}),
    value: Args.string({description: 'The new value', required: true}),
  }

  static description = `Set a preference in dkr's config file

progress: auto | tty | plain | quiet | json. parallel: 1-64. platform: e.g. linux/arm64. contentTrust: true | false. \
color: auto | always | never. Flags and environment variables still win over these.`

  static examples = [
    {command: '<%= config.bin %> config set progress plain', description: 'Plain log lines even on a terminal'},
    {command: '<%= config.bin %> config set parallel 6', description: 'Pull up to six names at once'},
  ]

  static summary = 'Set a preference'
  static usage = 'KEY VALUE'

  async run(): Promise<void> {
    const {args} = await this.parse(ConfigSet)
    await runConfigSet(systemStreams(), args.key, args.value)
  }
}
