// The node path's entry, bundled as bin/ensure-running.js (CommonJS, so that it starts without
// the ESM loader; scripts/build.mjs): the quiet promise verified as the shell front door
// verifies it; every other call goes on to the full CLI, which parses, decides under the lock
// and picks the exit code.

import { keepsPromise } from '../commands/quick.js';
import { endNow } from './end-now.js';

function quiet(): boolean {
  try {
    return keepsPromise({ argv: process.argv.slice(2), cwd: process.cwd(), tz: process.env.TZ ?? null }, process.env);
  } catch {
    return false;
  }
}

// Answered: the call is over, having read a few files and written one mark; it ends at once
// (Node's own end, with its event loop's last turn and the heap taken down, is 2% of this path).
if (quiet()) endNow();
// Bundled, the full CLI's way in is ../dist/full.cjs, required only now: the answer from the
// promise does not parse it (scripts/build.mjs). From source, full.ts.
if (typeof require === 'function') require('./full.cjs');
else void import('./full.js');
