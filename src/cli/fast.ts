// The installed entry point: cron's every-minute healthy check, bundled as one CommonJS file
// so that it starts without Node's ESM loader; every other call goes on to the full CLI.

import { parsePlainCheck } from './fast-parse.js';
import { programConfig } from './settings.js';
import { realWorld } from '../commands/world.js';
import { isHealthyWithoutLock } from '../commands/quick.js';

/**
 * True only for a plain check of a verified live program with nothing due. Any doubt,
 * including an argument the plain reader leaves to yargs-parser, answers false: the full
 * CLI parses again, decides under the lock and is the one place that reports errors and
 * picks exit codes.
 */
export function healthyWithoutLock(args: string[]): boolean {
  try {
    const call = parsePlainCheck(args);
    if (call === null) return false;
    const world = realWorld();
    return isHealthyWithoutLock(programConfig(call, world), world);
  } catch {
    return false;
  }
}

if (!healthyWithoutLock(process.argv.slice(2))) {
  // Bundled, this is the ESM entry dist/cli.js (see scripts/build.mjs); it sets the exit code.
  import('./run.js').catch((error: unknown) => {
    process.stderr.write(`ensure-running: internal error, please report it with this text:\n${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
