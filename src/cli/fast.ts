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
  // Bundled, this is dist/check.cjs (see scripts/build.mjs): the plain check runs there, any
  // other call goes on to the ESM entry dist/cli.js; either sets the exit code.
  // require(), not import(): importing a CommonJS file would send it through the ESM loader,
  // whose export scan of the whole bundle costs more than the check itself. From source (ESM), import().
  const entry: Promise<typeof import('./check-entry.js')> =
    typeof require === 'function' ? Promise.resolve(require('./check-entry.js') as typeof import('./check-entry.js')) : import('./check-entry.js');
  entry
    .then(({ runCall }) => runCall(process.argv.slice(2)))
    .catch((error: unknown) => {
      process.stderr.write(`ensure-running: internal error, please report it with this text:\n${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 1;
    });
}
