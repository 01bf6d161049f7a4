// What bin/run.js runs for every command: docker accepts its global flags before the command
// (`dkr -H tcp://… image pull x`); oclif only parses flags after the command id, so they are moved
// there before oclif sees argv.
import {execute} from '@oclif/core'
import {hoistGlobalFlags} from './lib/cli/argv.js'

/** `dir`: bin/run.js's URL, from which oclif finds package.json and the manifest. */
export async function main(args: string[], dir: string): Promise<void> {
  await execute({args: hoistGlobalFlags(args), dir})
}
