// --respawn: what the waiter runs when the program ends (src/os/waiter.ts): the installed
// command with the arguments of the check cron runs, from the caller's directory.

import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { LaunchRequest } from '../core/request.js';
import type { World } from '../world.js';
import type { ParsedCall } from './parse.js';
import { requestArgv } from './recorded.js';

/** The installed command: the sh front door beside the bundle, else node and the bundle. */
export function installedCommand(world: World): string[] {
  const cli = realpathSync(resolve(world.cwd, process.argv[1] ?? ''));
  const door = join(dirname(dirname(cli)), 'bin', 'ensure-running');
  return existsSync(door) ? [door] : [process.execPath, cli];
}

/**
 * The check of a program given by --pid: this very call when it is a check (so that the quiet
 * promise of cron's calls stays the same), else (--start, --restart) a check of the request
 * this call launches, never the manual action again.
 */
export function respawnSettings(call: ParsedCall, world: World, pidFile: string, request: LaunchRequest): { check: string[]; dir: string } {
  const args = call.action === 'check' && world.argv ? world.argv : ['--pid', pidFile, ...requestArgv(request)];
  return { check: [...installedCommand(world), ...args], dir: world.cwd };
}
