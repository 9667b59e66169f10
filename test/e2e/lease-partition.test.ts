// --lease across a network that fails: each host reaches the store (a real PostgreSQL with
// password authentication, a real Redis with AUTH) through a TCP proxy of its own
// (test/tcp-proxy.ts) that passes, blackholes or holds its traffic; host b is another machine
// (unshare -u, hostname host-b). The program appends its PID, host and token to one shared
// file when it starts and stops, and overlap is measured from those records (test/overlap.ts).
//   (a) a's path blackholed: its checks end at --lease-timeout, it keeps its copy while the
//       lease surely outlives the next check, then stops it before the store lets it run out;
//   (b) b's answers held (the store takes the lease for b, the answer comes late): a late
//       answer counts as none, nothing is launched under it; once b's path passes, b takes
//       the program under a higher token;
//   (c) a's path passes again: a is a quiet standby; one copy in all, no overlap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { fixture, waitUntil, type RunResult } from '../helpers.ts';
import { PG_PASSWORD, PG_USER, type StoreServer } from '../servers.ts';
import { copies, privateStore, leaseHosts, type TestLike } from '../lease-hosts.ts';
import { TcpProxy } from '../tcp-proxy.ts';
import { monotonicMs, overlap, recordedCopies } from '../overlap.ts';

const pgServer = privateStore('postgres');
const redisServer = privateStore('redis');
const skipPg = pgServer.skip;
const skipRedis = redisServer.skip;

/**
 * A holder keeps its copy while more than interval + timeout + kill-after (6 s) is left of its
 * 12 s lease: over a failed renewal or two, then it steps down with some seconds to spare.
 */
const TIMES = ['--interval', '3s', '--lease-ttl', '12s', '--lease-timeout', '2s', '--kill-after', '1s', '--start-secs', '0'];

async function partition(t: TestLike, server: StoreServer): Promise<void> {
  const hosts = leaseHosts(t, server, 'partition', TIMES);
  const { box, leaseName: name } = hosts;
  const shared = box.path('copies');
  hosts.program = (host) => [fixture('overlap.js'), shared, host];
  t.after(() => {
    for (const copy of recordedCopies(shared)) box.track(copy.pid);
    hosts.cleanup();
  });
  const proxy = { a: await TcpProxy.start(server.port), b: await TcpProxy.start(server.port) };
  t.after(() => Promise.all([proxy.a.close(), proxy.b.close()]));
  // The password file names the proxies' ports (a pgpass line is per host and port); Redis reads REDISCLI_AUTH.
  const pgpass = box.path('pgpass');
  writeFileSync(pgpass, `127.0.0.1:*:*:${PG_USER}:${PG_PASSWORD}\n`, { mode: 0o600 });
  const env = 'PGPASSFILE' in server.env ? { PGPASSFILE: pgpass } : {};
  const check = (host: 'a' | 'b' | 'c'): Promise<RunResult> => {
    if (host === 'c') return hosts.run('c', [], server.url, env);
    return hosts.run(host, [], proxy[host].url(server.url), env, host === 'b' ? 'host-b' : undefined);
  };
  const records = () => recordedCopies(shared);

  const first = await check('a');
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /holding lease \S+ \(token 1\)/);
  for (const host of ['b', 'c'] as const) assert.equal((await check(host)).code, 0);
  await waitUntil(() => records().length === 1, "a's copy to record its start");
  // A renewal right before the partition: the lease then surely outlives the next check.
  assert.deepEqual(await check('a'), { code: 0, signal: null, stdout: '', stderr: '' });

  // (a) a's path blackholed.
  proxy.a.set('blackhole');
  // The lease's end by the store's clock, now fixed (no renewal gets through): no earlier than this.
  const asked = monotonicMs();
  const stored = await server.lease(name);
  assert.equal(stored?.holder, 'a');
  const endsAfter = asked + stored!.leftMs;
  const said: RunResult[] = [];
  await waitUntil(
    async () => {
      said.push(await check('a'));
      return records()[0]!.stopMs !== null;
    },
    'a to step down',
    60_000,
    0,
  );
  for (const result of said) assert.notEqual(result.code, null, 'a check past its bound was killed');
  assert.match(said.map((r) => r.stderr).join(''), /no answer within 2s to renew the lease/);
  // Every check before the last kept the copy (said once, then nothing); the last stopped it.
  for (const kept of said.slice(0, -1)) {
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(kept.stderr, /^$|; keeping the program: lease \S+ is ours for /);
  }
  const last = said.at(-1)!;
  assert.equal(last.code, 1, last.stderr);
  assert.match(last.stderr, /stepping down before lease \S+ can run out \([^)]+ left\): stopping the copy here: stopped/);
  // The store's clock: the copy had stopped while the lease was still a's.
  const margin = endsAfter - records()[0]!.stopMs!;
  assert.ok(margin > 0, `a's copy stopped before its lease ran out (${margin.toFixed(0)} ms before)`);

  // (b) The lease runs out; b asks, the store gives it to b, and b's answer is held.
  await waitUntil(async () => ((await server.lease(name))?.leftMs ?? 0) <= 0, 'the lease to run out in the store', 30_000, 250);
  proxy.b.holdAnswersAfter(name);
  const late = await check('b');
  assert.equal(late.code, 1, late.stderr);
  assert.match(late.stderr, /no answer within 2s to renew the lease/);
  assert.deepEqual(await server.lease(name).then((lease) => [lease?.holder, lease?.token]), ['b', '2'], 'the store did take the lease for b');
  // A third host (its path passes) sees the lease held: it launches nothing either.
  assert.equal((await check('c')).code, 0);
  assert.deepEqual(
    records().map((copy) => copy.host),
    ['a'],
    'nothing launched under the late answer, nor beside it',
  );
  // The held answers go through now, to checks that gave them up: still nothing.
  proxy.b.holdAnswersAfter(null);
  proxy.b.set('pass');
  const taken = await check('b');
  assert.equal(taken.code, 0, taken.stderr);
  assert.match(taken.stderr, /\(token 2\)/);
  await waitUntil(() => records().length === 2, "b's copy to record its start");

  // (c) a's path passes again: a is a standby that says nothing after its first check.
  proxy.a.set('pass');
  const back = await check('a');
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stderr, /held by host b \(host-b\)/);
  for (const host of ['a', 'c'] as const) assert.deepEqual(await check(host), { code: 0, signal: null, stdout: '', stderr: '' }, `${host} is a quiet standby`);
  assert.deepEqual(
    copies(hosts, ['a', 'b', 'c']).map((copy) => copy.host),
    ['b'],
  );
  const all = records();
  assert.deepEqual(
    all.map((copy) => [copy.host, copy.token, copy.stopMs === null]),
    [
      ['a', '1', false],
      ['b', '2', true],
    ],
    'tokens grow in the order the copies started',
  );
  assert.equal(all[1]!.hostname, 'host-b');
  assert.deepEqual(overlap(all), { ms: 0, most: 1 }, 'never two copies at once');
}

test('PostgreSQL through a proxy: partition, late answers, heal → one copy, a higher token, no overlap', { skip: skipPg }, async (t) => partition(t, pgServer));

test('Redis through a proxy: partition, late answers, heal → one copy, a higher token, no overlap', { skip: skipRedis }, async (t) =>
  partition(t, redisServer),
);
