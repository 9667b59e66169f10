// The bundle's entry (dist/fast.cjs, CommonJS so that it starts without the ESM loader): the
// quiet promise verified as the shell front door verifies it; every other call goes on to
// the full CLI, which parses, decides under the lock and picks the exit code.

import { keepsPromise } from '../commands/quick.js';

// Node 22.1+ keeps compiled code between runs; older versions simply have no such function.
(process.getBuiltinModule?.('node:module') as { enableCompileCache?: () => unknown } | undefined)?.enableCompileCache?.();

function quiet(): boolean {
  try {
    return keepsPromise({ argv: process.argv.slice(2), cwd: process.cwd(), tz: process.env.TZ ?? null }, process.env);
  } catch {
    return false;
  }
}

if (!quiet()) {
  // Bundled, this is the ESM entry dist/cli.js (see scripts/build.mjs); it sets the exit code.
  import('./run.js').catch((error: unknown) => {
    process.stderr.write(`ensure-running: internal error, please report it with this text:\n${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
