// Where docker keeps its configuration: --config, else $DOCKER_CONFIG, else ~/.docker.
import {homedir} from 'node:os'
import {join} from 'node:path'

export function dockerConfigDir(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag) return flag
  if (env.DOCKER_CONFIG) return env.DOCKER_CONFIG
  return join(env.HOME || homedir(), '.docker')
}
