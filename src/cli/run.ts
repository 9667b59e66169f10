// The bundled CLI's start: run main, then exit with its code once output is flushed.

import { main } from './main.js';

// A reader that went away (`--status | head -c0`, a closed terminal) is not a failure of the
// call: what it did stands, and its exit code still tells. Without a listener, EPIPE would
// be thrown from the stream as an uncaught error with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', () => undefined);
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
