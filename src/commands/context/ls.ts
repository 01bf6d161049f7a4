import {Flags} from '@oclif/core'
import {DkrCommand} from '../../lib/cli/base-command.js'
import {runContextList} from '../../lib/context/run-context.js'

export default class ContextList extends DkrCommand {
  static aliases = ['context:list']
  static description = `List contexts

Lists docker's own contexts (made with docker context create), with the current one marked *. The current one \
is --context, else default when DOCKER_HOST is set, else DOCKER_CONTEXT, else config.json's currentContext.`

  static examples = [{command: '<%= config.bin %> context ls', description: 'Which engines dkr (and docker) can talk to'}]
  static flags = {
    format: Flags.option({options: ['table', 'json'] as const})({description: "Format the output: 'table' (default) or 'json' (one object per line)"}),
    quiet: Flags.boolean({char: 'q', description: 'Only show context names'}),
  }

  static summary = 'List contexts'
  static usage = '[OPTIONS]'

  async run(): Promise<void> {
    const {flags} = await this.parse(ContextList)
    runContextList(await this.cli(flags), {format: flags.format, quiet: flags.quiet})
  }
}
