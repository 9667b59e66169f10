// The way from an entry file to the full CLI: dist/check.cjs with its code cache for a plain
// check, the ESM entry dist/cli.js for any other call. Bundled into dist/full.cjs, which the
// front door execs and bin/ensure-running.js requires when the promise does not answer.

import { requireWithCache } from './code-cache.js';
import { endNow } from './end-now.js';

/**
 * Runs this process's call with the full CLI; it sets the exit code. One function: this file
 * runs before any code cache, and each of its functions is compiled at every full check.
 */
export function runFullCli(): void {
  const args = process.argv.slice(2);
  // Any call but a plain check goes on to the ESM entry dist/cli.js (imported here: check.cjs itself cannot import).
  const fullCli = () => import('./run.js');
  let called: Promise<boolean>;
  // Bundled, require() is this CommonJS file's (see scripts/build.mjs): not import(), which
  // would send check.cjs through the ESM loader, whose export scan costs more than the check.
  if (typeof require !== 'function') called = import('./check-entry.js').then(({ runCall }) => runCall(args, fullCli));
  else {
    // Node 22.1+ keeps compiled code between runs: turned on here, before check.cjs is compiled
    // (node:module is loaded only then). Node 20 has no such function, and check.cjs is then
    // compiled with the cache the build made (src/cli/code-cache.ts). Told from the version
    // first: on Node 20 loading node:module only to find no such function was half a millisecond.
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    const enableCompileCache =
      major > 22 || (major === 22 && minor >= 1)
        ? (process.getBuiltinModule('node:module') as { enableCompileCache?: () => unknown }).enableCompileCache
        : undefined;
    enableCompileCache?.();
    // The path joined by hand: node:path's join is compiled at its first call, a check's own cost.
    const cached = enableCompileCache ? null : requireWithCache(`${__dirname}/check.cjs`, require);
    // Called at once, not through a promise of the module: one function less to compile.
    called = ((cached?.exports ?? require('./check-entry.js')) as typeof import('./check-entry.js')).runCall(args, fullCli);
  }
  // Either sets the exit code. A plain check is over when its call returns: it exits at once,
  // with its exit code. Left to end by itself, Node would turn its event loop once more (running
  // the garbage collection it had scheduled meanwhile) and take the heap down piece by piece:
  // about 1 ms (docs/speed.md).
  called.then(
    (checked) => {
      if (checked) endNow();
    },
    (error: unknown) => {
      process.stderr.write(`ensure-running: internal error, please report it with this text:\n${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
