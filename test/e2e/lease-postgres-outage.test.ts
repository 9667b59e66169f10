// --lease postgres:// when the store fails (stopped, hung), against a private PostgreSQL
// started for this file (test/servers.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { isAlive, lines, waitUntil } from '../helpers.ts';
import { PG_PASSWORD } from '../servers.ts';
import { type Hosts, ROOMY, privateStore, leaseHosts, type TestLike } from '../lease-hosts.ts';

/** The store's server: a private one, when its package is installed. */
const server = privateStore('postgres');
const skip = server.skip;

/** A sandbox with hosts a, b, c on a lease of their own. */
const setup = (t: TestLike, times?: string[]): Hosts => leaseHosts(t, server, 'app', times);

test('lease: the store stopped → the holder keeps its copy, then steps down before its lease could be taken; a standby says one line', { skip }, async (t) => {
  const hosts = setup(t, ROOMY);
  t.after(() => server.start().catch(() => undefined));
  assert.equal((await hosts.run('a')).code, 0);
  assert.equal((await hosts.run('b')).code, 0);
  // A renewal right before the outage: the lease then surely outlives the next check.
  assert.equal((await hosts.run('a')).code, 0);
  const copy = hosts.running('a');
  await server.stop();
  const kept = await hosts.run('a');
  assert.equal(kept.code, 0, kept.stderr);
  assert.match(kept.stderr, /lease store unreachable \(postgres:\/\/er@127\.0\.0\.1:\d+\/postgres: connect ECONNREFUSED [^)]*\); keeping the program/);
  assert.ok(isAlive(copy));
  const standby = await hosts.run('b');
  assert.equal(standby.code, 1);
  assert.equal(lines(standby.stderr).length, 1, standby.stderr);
  assert.deepEqual((await hosts.run('b')).stderr, '', 'said once');
  let stoppedAt = 0;
  const down = await waitUntil(
    async () => {
      const result = await hosts.run('a');
      if (isAlive(copy)) return null;
      stoppedAt = Date.now();
      return result;
    },
    'the holder to step down',
    30_000,
  );
  assert.equal(down.code, 1);
  assert.match(down.stderr, /stepping down before lease \S+ can run out \([^)]+ left\): stopping the copy here: stopped/);
  assert.equal(lines(down.stderr).length, 1);
  await server.start();
  // The store's own clock says the lease was still a's when its copy was gone.
  const client = new pg.Client({ connectionString: server.url.replace('er@', `er:${PG_PASSWORD}@`) });
  await client.connect();
  const { rows } = await client.query('SELECT extract(epoch FROM expires_at) * 1000 AS ms FROM ensure_running_lease WHERE name = $1', [hosts.leaseName]);
  await client.end();
  assert.ok(Number(rows[0].ms) > stoppedAt, 'the copy was stopped before the lease ran out');
  const back = await hosts.run('b');
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stderr, /lease store answers again/);
});

test('lease: the store hung (SIGSTOP) → every check ends within its timeout; the holder keeps, then steps down; a standby says one line', {
  skip,
}, async (t) => {
  const hosts = setup(t, ROOMY);
  t.after(() => server.resume());
  assert.equal((await hosts.run('a')).code, 0);
  assert.equal((await hosts.run('b')).code, 0);
  assert.equal((await hosts.run('a')).code, 0);
  const copy = hosts.running('a');
  server.pause();
  const kept = await hosts.run('a', [], undefined);
  assert.equal(kept.code, 0, kept.stderr);
  assert.match(kept.stderr, /no answer within 2s to renew the lease at postgres:\/\/er@127\.0\.0\.1:\d+\/postgres\); keeping the program/);
  const standby = await hosts.run('b');
  assert.equal(standby.code, 1);
  assert.match(standby.stderr, /no answer within 2s/);
  assert.equal(lines(standby.stderr).length, 1);
  const down = await waitUntil(
    async () => {
      const result = await hosts.run('a');
      return isAlive(copy) ? null : result;
    },
    'the holder to step down',
    30_000,
  );
  assert.match(down.stderr, /stepping down before lease \S+ can run out/);
  assert.equal(lines(down.stderr).length, 1);
  server.resume();
});
