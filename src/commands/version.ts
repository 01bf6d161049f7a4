import {Flags} from '@oclif/core'
import {DkrCommand} from '../lib/cli/base-command.js'
import {runVersion} from '../lib/version/run-version.js'

export default class Version extends DkrCommand {
  static description = `Show the dkr and Docker Engine version information

Like docker version: the client part (dkr, the API version agreed with the engine, Node, the context) and the \
engine's own report. --format json prints both as one JSON object; simple Go templates such as \
'{{.Server.Version}}' work as they do with docker.`

  static examples = [
    {command: '<%= config.bin %> version', description: 'Which engine dkr talks to, and at which API version'},
    {command: "<%= config.bin %> version --format '{{.Server.Version}}'", description: "Only the engine's version, for scripts"},
  ]

  static flags = {
    format: Flags.string({char: 'f', description: "Format the output: 'json', or a template such as '{{.Server.Version}}'"}),
  }

  static summary = 'Show the dkr and Docker Engine version information'
  static usage = '[OPTIONS]'

  async run(): Promise<void> {
    const {flags} = await this.parse(Version)
    await runVersion(await this.cli(flags), {dkrVersion: this.config.version, format: flags.format})
  }
}
