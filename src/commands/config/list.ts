import {Flags} from '@oclif/core'
import {DkrCommand} from '../../lib/cli/base-command.js'
import {systemStreams} from '../../lib/io/streams.js'
import {runConfigList} from '../../lib/config/run-config.js'

export default class ConfigList extends DkrCommand {
  static aliases = ['config:ls']
  static description = `List dkr's preferences, each with where its value comes from

A value comes from a flag, then the environment (DOCKER_DEFAULT_PLATFORM, DOCKER_CONTENT_TRUST, NO_COLOR, \
FORCE_COLOR), then dkr's config file ($XDG_CONFIG_HOME/dkr/config.json), then the default.`

  static examples = [{command: '<%= config.bin %> config list', description: 'Every preference, its value and its source'}]
  static flags = {format: Flags.option({options: ['table', 'json'] as const})({description: "Output format: 'table' (default) or 'json'"})}
  static summary = "List dkr's preferences"
  static usage = '[--format json]'

  async run(): Promise<void> {
    const {flags} = await this.parse(ConfigList)
    await runConfigList(systemStreams(), {json: flags.format === 'json'})
  }
}
