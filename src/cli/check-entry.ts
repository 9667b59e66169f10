// The plain check in one CommonJS file (dist/check.cjs, required by dist/fast.cjs): a check
// of one program by --pid, without --lease, --config or a cron expression, starts without the
// ESM loader and its chunks (measured: scripts/bench.mjs, docs/speed.md). Any other call goes
// on, untouched, to the full CLI (dist/cli.js); this file decides before anything is done.

import { parseArgs } from './parse.js';
import { programSettings } from './settings.js';
import { main } from './main.js';
import { realWorld } from '../world.js';

/** Whether this call is a check that the check bundle covers (no pg, redis, cron-parser or smol-toml). */
export function plainCheck(args: string[]): boolean {
  try {
    const call = parseArgs(args);
    if (call.action !== 'check' || call.values.config !== undefined || call.values['check-config'] !== undefined) return false;
    const world = realWorld();
    const settings = programSettings(call, world, world.cwd);
    return !settings.lease && !settings.health?.restartAt && !settings.declaredCadence?.schedule;
  } catch {
    // Anything off is said by the full CLI, with its exit code.
    return false;
  }
}

/** Runs the call here when it is a plain check, else in the full CLI; sets the exit code. */
export async function runCall(args: string[]): Promise<void> {
  if (!plainCheck(args)) {
    await import('./run.js');
    return;
  }
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  process.exitCode = await main(args);
}
