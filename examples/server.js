#!/usr/bin/env node
// A tiny HTTP server to guard with ensure-running: listens on 127.0.0.1 (port from $PORT,
// or any free port), logs one line per request, and exits cleanly on SIGTERM or SIGINT.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 0);
const restarts = process.env.ENSURE_RUNNING_RESTARTS ?? 'not run by ensure-running';

const server = createServer((request, response) => {
  console.log(`${new Date().toISOString()} pid ${process.pid} ${request.method} ${request.url}`);
  response.setHeader('content-type', 'text/plain; charset=utf-8');
  response.end(`hello from pid ${process.pid} (earlier launches: ${restarts})\n`);
});

server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`${new Date().toISOString()} pid ${process.pid} listening on http://127.0.0.1:${address.port}/`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`${new Date().toISOString()} pid ${process.pid} ${signal}: closing`);
    server.close(() => process.exit(0));
    // Idle keep-alive connections would hold close() open; do not wait for them.
    server.closeAllConnections();
  });
}
