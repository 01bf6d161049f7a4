import {Args} from '@oclif/core'
import {DkrCommand} from '../../lib/cli/base-command.js'
import {runContextUse} from '../../lib/context/run-context.js'

export default class ContextUse extends DkrCommand {
  static args = {
    name: Args.string({description: 'Context to use (default: the DOCKER_HOST based one)', required: true}),
  }

  static description = `Set the current context

Writes currentContext in docker's config.json, keeping everything else in it, so docker uses the same engine.`

  static examples = [{command: '<%= config.bin %> context use default', description: 'Go back to DOCKER_HOST or the default socket'}]
  static summary = 'Set the current context'
  static usage = 'CONTEXT'

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ContextUse)
    await runContextUse(await this.cli(flags), args.name)
  }
}
