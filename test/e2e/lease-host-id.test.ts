// Two machines under one host id (a shared or cloned home, the same --host-id): the second
// machine is a UTS namespace with a hostname of its own (unshare -u). Over several rounds one
// copy runs in all; each side says the clash once and names the fix (--host-id per machine).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { Sandbox, lines } from '../helpers.ts';
import { startPostgres, startRedis, type StoreServer } from '../servers.ts';
import { needs } from '../tools.ts';
import { Hosts, LONG, copies } from '../lease-hosts.ts';

const skipPg = needs('postgresql');
const skipRedis = needs('redis-server');
let pgServer: StoreServer;
let redisServer: StoreServer;
before(async () => {
  if (!skipPg) pgServer = await startPostgres();
  if (!skipRedis) redisServer = await startRedis();
});
after(async () => {
  await pgServer?.cleanup();
  await redisServer?.cleanup();
});

let leases = 0;
async function clash(t: { after(fn: () => void): void }, server: StoreServer): Promise<void> {
  const box = new Sandbox();
  for (const host of ['a', 'b']) mkdirSync(box.path(host, 'home'), { recursive: true });
  const hosts = new Hosts(box, server, `same-id-${process.pid}-${++leases}`, LONG);
  t.after(() => hosts.cleanup());
  // Both machines are "web1": a here, b in a UTS namespace named other-machine.
  const same = { ENSURE_RUNNING_HOST_ID: 'web1' };
  const first = await hosts.run('a', [], server.url, same);
  assert.equal(first.code, 0, first.stderr);
  const said = { a: '', b: '' };
  for (let round = 1; round <= 3; round++) {
    const b = await hosts.run('b', [], server.url, same, 'other-machine');
    assert.equal(b.code, 0, b.stderr);
    said.b += b.stderr;
    const a = await hosts.run('a', [], server.url, same);
    assert.equal(a.code, 0, a.stderr);
    said.a += a.stderr;
    assert.deepEqual(
      copies(hosts, ['a', 'b']).map((copy) => copy.host),
      ['a'],
      `round ${round}: one copy, on the machine that held the lease first`,
    );
  }
  assert.equal(lines(said.b).length, 1, `b says it once: ${said.b}`);
  assert.match(
    said.b,
    /lease \S+ is held under this host's id web1 by another machine or boot \(\S+ boot \S+; this is other-machine boot \S+\).*give each machine its own --host-id/,
  );
  assert.equal(lines(said.a).length, 1, `a says it once: ${said.a}`);
  assert.match(said.a, /another machine \(other-machine boot \S+\) asks for lease \S+ under this host's id web1.*give each machine its own --host-id/);
  assert.deepEqual(hosts.launches('b'), []);
}

test('PostgreSQL: two machines under one host id → one copy, the clash said once on each side', { skip: skipPg }, async (t) => clash(t, pgServer));

test('Redis: two machines under one host id → one copy, the clash said once on each side', { skip: skipRedis }, async (t) => clash(t, redisServer));
