import {Args, Flags} from '@oclif/core'
import {DkrCommand} from '../lib/cli/base-command.js'
import {runLogin} from '../lib/login/run-login.js'

export default class Login extends DkrCommand {
  static args = {
    server: Args.string({description: 'Registry to log in to (default: Docker Hub)'}),
  }

  static description = `Authenticate to a registry

Works like docker login, in docker's own config: a login made here is seen by docker and the other way round. \
Without -u/-p the stored credentials are tried first; on a terminal dkr then asks for what is missing. The \
engine checks the credentials with the registry (when no engine answers, dkr asks the registry itself, as docker \
does), and they are stored where docker would store them: the \
configured credential helper, else config.json. Unlike docker, dkr does not pick a platform helper that does not \
work on this machine (a headless secretservice), and writes config.json atomically, keeping everything else in it.

Environment: DOCKER_CONFIG (where config.json is), DOCKER_HOST and the other engine variables (the engine checks \
the credentials), DKR_CREDENTIAL_HELPER_TIMEOUT (seconds a credential helper may take, default 15).`

  static examples = [
    {command: 'echo "$PASSWORD" | <%= config.bin %> login -u alice --password-stdin $DKR_PRIVATE_REGISTRY', description: 'Log in from a script'},
    {command: '<%= config.bin %> login $DKR_PRIVATE_REGISTRY', description: 'Log in interactively (asks for username and password)'},
  ]

  static flags = {
    password: Flags.string({char: 'p', description: 'Password or Personal Access Token (PAT)'}),
    'password-stdin': Flags.boolean({description: 'Take the Password or Personal Access Token (PAT) from stdin'}),
    username: Flags.string({char: 'u', description: 'Username'}),
  }

  static summary = 'Authenticate to a registry'
  static usage = '[OPTIONS] [SERVER]'

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Login)
    const cli = await this.cli(flags)
    await runLogin(cli, {password: flags.password, passwordStdin: flags['password-stdin'], server: args.server, username: flags.username}, this.config.bin)
  }
}
