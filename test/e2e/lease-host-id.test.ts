// Two machines under one host id (a shared or cloned home, the same --host-id): the second
// machine is a UTS namespace with a hostname of its own (unshare -u). Over several rounds one
// copy runs in all; each side says the clash once and names the fix (--host-id per machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lines } from '../helpers.ts';
import type { StoreServer } from '../servers.ts';
import { LONG, copies, privateStore, leaseHosts, type TestLike } from '../lease-hosts.ts';

const pgServer = privateStore('postgres');
const redisServer = privateStore('redis');
const skipPg = pgServer.skip;
const skipRedis = redisServer.skip;

async function clash(t: TestLike, server: StoreServer): Promise<void> {
  const hosts = leaseHosts(t, server, 'same-id', LONG);
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
