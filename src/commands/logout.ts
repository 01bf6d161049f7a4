import {Args} from '@oclif/core'
import {DkrCommand} from '../lib/cli/base-command.js'
import {runLogout} from '../lib/login/run-login.js'

export default class Logout extends DkrCommand {
  static args = {
    server: Args.string({description: 'Registry to log out from (default: Docker Hub)'}),
  }

  static description = `Log out from a registry

Works like docker logout: erases the credentials stored for the registry (and the older spellings of its \
name docker used), from the credential helper and config.json, and keeps everything else in config.json.`

  static examples = [{command: '<%= config.bin %> logout $DKR_PRIVATE_REGISTRY', description: 'Forget the login to the demo private registry'}]
  static summary = 'Log out from a registry'
  static usage = '[SERVER]'

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Logout)
    await runLogout(await this.cli(flags), args.server)
  }
}
