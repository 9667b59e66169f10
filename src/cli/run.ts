// The bundled CLI's start: run main, then exit with its code once output is flushed.

import { main } from './main.js';
import { beforeWaiting } from '../os/first-turn.js';

// Any call but a plain check (which runs in dist/check.cjs) may wait anywhere: a status of many
// programs, a config file's, a lease's store calls. Its time bound, the lock's refresh and the
// signal listeners are set from its start (src/os/first-turn.ts).
beforeWaiting();

// A reader that went away (`--status | head -c0`, a closed terminal) is not a failure of the
// call: what it did stands, and its exit code still tells. Without a listener, EPIPE would
// be thrown from the stream as an uncaught error with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', () => undefined);
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
