// --config FILE with many programs under --lease: their store calls go out together, at most
// STORE_CALLS_AT_ONCE at a time (as the HTTP probes do), so that one crontab line never opens
// a connection per program at once. The store here is a TCP listener that accepts and never
// answers: every call holds its connection until --lease-timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Sandbox, waitUntil } from '../helpers.ts';
import { STORE_CALLS_AT_ONCE } from '../../src/lease/step.ts';

test('--config: the lease store calls of many programs go out together, at most STORE_CALLS_AT_ONCE at a time', async (t) => {
  const box = new Sandbox();
  let accepted = 0;
  // Connections accepted before the first one ended: no more than the limit can be open then.
  let beforeFirstEnd: number | null = null;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    const ended = () => {
      beforeFirstEnd ??= accepted;
      sockets.delete(socket);
    };
    socket.once('end', ended);
    socket.once('close', ended);
    socket.on('error', () => undefined);
    // Read (and drop) what the client sends, so that its end is seen.
    socket.resume();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
    box.cleanup();
  });
  const port = (server.address() as AddressInfo).port;
  const names = Array.from({ length: STORE_CALLS_AT_ONCE + 4 }, (_, i) => `p${i}`);
  writeFileSync(
    box.path('apps.toml'),
    [
      `[defaults]\nstate-dir = "run"\nstart-secs = 0\nlease = "redis://127.0.0.1:${port}"\n` +
        'interval = "20s"\nlease-ttl = "60s"\nlease-timeout = "2s"\nkill-after = "1s"\nhost-id = "a"\n',
      ...names.map((name) => `[programs.${name}]\ncommand = ["/bin/sleep", "300"]\nlease-name = "${name}"\n`),
    ].join('\n'),
  );
  const call = await box.run(['--config', 'apps.toml']);
  assert.equal(call.code, 1, call.stderr);
  for (const name of names) assert.match(call.stderr, new RegExp(`^${name}: lease store unreachable`, 'm'), call.stderr);
  await waitUntil(() => accepted === names.length, 'every program to ask the store');
  assert.ok(beforeFirstEnd !== null && beforeFirstEnd <= STORE_CALLS_AT_ONCE, `connections open before the first ended: ${beforeFirstEnd}`);
  assert.ok(beforeFirstEnd >= 2, `the calls go out together: ${beforeFirstEnd}`);
});
