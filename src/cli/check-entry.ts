// The plain check in one CommonJS file (dist/check.cjs, required by dist/full.cjs): a check
// of one program by --pid, without --lease, --config or a cron expression, starts without the
// ESM loader and its chunks (measured: scripts/bench.mjs, docs/speed.md). Any other call goes
// on, untouched, to the full CLI (dist/cli.js); this file decides before anything is done.

import { parseCall } from './parse.js';
import { givenValue } from './option-values.js';
import { main } from './main.js';

/**
 * Whether this call is a check that the check bundle covers (no pg, redis, cron-parser or
 * smol-toml). Told from the call's options alone: the files are looked at once, by the check.
 */
export function plainCheck(args: string[]): boolean {
  try {
    const call = parseCall(args);
    if (call.action !== 'check' || call.values.config !== undefined || call.values['check-config'] !== undefined) return false;
    const { values } = call;
    // No --pid or no command: said by the full CLI, with what is on record.
    if (givenValue(values, 'pid') === undefined || call.command.length === 0) return false;
    return givenValue(values, 'lease') === undefined && givenValue(values, 'restart-at') === undefined && givenValue(values, 'schedule') === undefined;
  } catch {
    // Anything off is said by the full CLI, with its exit code.
    return false;
  }
}

/**
 * Runs the call here when it is a plain check, else through `fullCli` (which imports the
 * full CLI, src/cli/run.ts); sets the exit code. The import is the caller's: this file is
 * compiled with a code cache (src/cli/code-cache.ts), where an import() cannot be served.
 * True when the call was a plain check run here, and is over: it leaves nothing for Node's
 * event loop to finish (a launch, a waiter or a notification runner goes on in its own process).
 */
export async function runCall(args: string[], fullCli: () => Promise<unknown>): Promise<boolean> {
  if (!plainCheck(args)) {
    await fullCli();
    return false;
  }
  quietOnBrokenPipe();
  process.exitCode = await main(args);
  return true;
}

/**
 * A reader that went away is not a failure of the call (as in src/cli/run.ts): each output
 * stream gets its listener when first used. A quiet check thus never makes them: for a pipe
 * (cron's mail) that would load net and Node's stream modules, for nothing to say.
 */
function quietOnBrokenPipe(): void {
  for (const name of ['stdout', 'stderr'] as const) {
    const own = Object.getOwnPropertyDescriptor(process, name);
    const make = own?.get;
    if (!own?.configurable || !make) {
      process[name].on('error', () => undefined);
      continue;
    }
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: own.enumerable,
      get() {
        Object.defineProperty(process, name, own);
        const stream = make.call(process) as NodeJS.WriteStream;
        stream.on('error', () => undefined);
        return stream;
      },
    });
  }
}
