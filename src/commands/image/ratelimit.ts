import {Args, Flags} from '@oclif/core'
import {DkrCommand} from '../../lib/cli/base-command.js'
import {probeRepository, runRateLimit} from '../../lib/pull/run-ratelimit.js'

export default class ImageRateLimit extends DkrCommand {
  static args = {
    name: Args.string({description: `Image whose registry to ask: NAME[:TAG|@DIGEST] (default ${probeRepository}, Docker Hub's probe repository)`}),
  }

  static description = `Show how many pulls the registry still allows

Asks the registry with a manifest HEAD, which Docker Hub does not count as a pull, using the credentials \
docker would send (a logged-in user has a higher limit than an anonymous one), and prints the limit, what \
remains, the window and whom the registry counts (the source). A registry that reports no limit is said to. \
--format json prints the same facts as one JSON object; simple Go templates such as '{{.remaining}}' work.`

  static examples = [
    {command: '<%= config.bin %> image ratelimit', description: "Docker Hub's limit for you (its probe repository)"},
    {command: '<%= config.bin %> image ratelimit --format json nginx', description: 'The same facts for scripts'},
  ]

  static flags = {
    format: Flags.string({char: 'f', description: "Format the output: 'json', or a template such as '{{.remaining}}'"}),
  }

  static summary = 'Show how many pulls the registry still allows'
  static usage = '[OPTIONS] [NAME[:TAG|@DIGEST]]'

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ImageRateLimit)
    await runRateLimit(await this.cli(flags), {format: flags.format, name: args.name})
  }
}
