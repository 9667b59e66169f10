// The front door's entry into node (dist/full.cjs): bin/ensure-running has verified the quiet
// promise itself and found that it does not answer this call (or was told to skip it, with
// ENSURE_RUNNING_NO_FAST_PATH), so the full CLI runs at once. The JS verifier (the node path,
// bin/ensure-running.js) would only give the same answer again (test/differential.ts holds
// the two to it), and loading and running it was a fiftieth of a full check. The node path
// requires this file when its own verifier finds no answer.

import { runFullCli } from './full-cli.js';

runFullCli();
