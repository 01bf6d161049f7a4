#!/usr/bin/env node
// dkr's entry point. docker accepts its global flags before the command (`dkr -H tcp://… image pull x`);
// oclif only parses flags after the command id, so they are moved there before oclif sees argv.
import {execute} from '@oclif/core'
import {hoistGlobalFlags} from '../dist/lib/cli/argv.js'

await execute({args: hoistGlobalFlags(process.argv.slice(2)), dir: import.meta.url})
