// --lease redis://: the same crontab line on several hosts against one private redis-server
// (test/servers.ts): one copy in all, takeover with a higher token, --release, --stop everywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, isAlive, lines, waitUntil } from '../helpers.ts';
import { type Hosts, LONG, copies, privateStore, leaseHosts, takenBackFromB, type TestLike } from '../lease-hosts.ts';

/** The store's server: a private one, when its package is installed. */
const server = privateStore('redis');
const skip = server.skip;

/** A sandbox with hosts a, b, c on a lease of their own. */
const setup = (t: TestLike, times?: string[], hostTimes?: Record<string, string[]>): Hosts => leaseHosts(t, server, 'app', times, hostTimes);

test('lease on Redis: three hosts, simultaneous checks → one copy in all, token 1, unchanged by renewals', { skip }, async (t) => {
  const hosts = setup(t, LONG);
  const names = ['a', 'b', 'c'];
  for (let round = 0; round < 2; round++) {
    const results = await Promise.all(names.flatMap((host) => [0, 1].map(() => hosts.run(host))));
    // A check starved of CPU past the lock's stale period loses its lock and launches nothing (exit 1, said): allowed here.
    for (const result of results)
      if (result.code !== 0) assert.match(result.stderr, /cannot keep the lock|taken over by another call|past the lock's stale period/, result.stderr);
    assert.equal(copies(hosts, names).length, 1, `one copy after round ${round}`);
  }
  await waitUntil(() => names.some((host) => hosts.launches(host).length), 'the copy to report its token');
  assert.deepEqual(
    names.flatMap((host) => hosts.launches(host)).map((launch) => launch.token),
    ['1'],
  );
});

test('lease on Redis: the holder stops checking → a standby takes over with a higher token; the old holder stops its copy', { skip }, async (t) => {
  // a's lease runs out fast; b's, once taken, outlives the slowest check of a busy machine.
  const hosts = setup(t, undefined, { b: LONG });
  assert.equal((await hosts.run('a')).code, 0);
  const old = hosts.running('a');
  const taken = await hosts.runUntilRunning('b', 'b to take the lease over');
  // "from host a" when b saw a hold it; on a busy machine b's first check may find it run out already.
  assert.match(taken, /(took over lease \S+ from host a \(\S+\)|holding lease \S+) \(token 2\)/);
  const back = await hosts.run('a');
  assert.match(back.stderr, /is held by host b \(\S+\) \(token 2\); stopping the copy here: stopped/);
  assert.equal(lines(back.stderr).length, 1);
  assert.ok(!isAlive(old));
  await waitUntil(() => hosts.launches('b').length === 1, "b's copy to report its token");
  assert.equal(hosts.launches('b')[0]!.token, '2');
});

test('lease on Redis: --on-change is told the lease changes: lease-taken with the start, lease-lost with the stop of the copy', { skip }, async (t) => {
  const hosts = setup(t, undefined, { b: LONG });
  const dir = hosts.box.path('calls');
  mkdirSync(dir, { recursive: true });
  const hook = ['--on-change', `${fixture('hook-record.cjs')} ${dir}`];
  const calls = () =>
    readdirSync(dir)
      .filter((name) => name.startsWith('call-'))
      .sort((x, y) => (BigInt(x.split('-')[1]!) < BigInt(y.split('-')[1]!) ? -1 : 1))
      .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, string>);
  assert.equal((await hosts.run('a', hook)).code, 0);
  const taken = await waitUntil(() => calls()[0], 'the hook of the first check');
  assert.deepEqual([taken.ENSURE_RUNNING_EVENT, taken.ENSURE_RUNNING_EVENTS], ['lease-taken', 'lease-taken started']);
  await hosts.runUntilRunning('b', 'b to take the lease over');
  const back = await hosts.run('a', hook);
  assert.match(back.stderr, /stopping the copy here: stopped/);
  const lost = await waitUntil(() => calls()[1], 'the hook of the check that stopped the copy');
  assert.deepEqual([lost.ENSURE_RUNNING_EVENT, lost.ENSURE_RUNNING_EVENTS], ['lease-lost', 'lease-lost stopped']);
});

test('lease: taken back after another host held it between two of its checks → "took over lease … from host b" (the store names b), not "holding lease"', {
  skip,
}, async (t) => {
  // a's lease runs out fast; b's, once taken, outlives the slowest check of a busy machine.
  await takenBackFromB(setup(t, undefined, { b: LONG }));
});

test("lease on Redis: a standby's --status shows its own last check, and the next one from it", { skip }, async (t) => {
  const hosts = setup(t, LONG);
  // b held the lease first (its records have the cadence of its checks), then handed it to a.
  assert.equal((await hosts.run('b')).code, 0);
  assert.equal((await hosts.act('b', ['--release'])).code, 0);
  assert.equal((await hosts.run('a')).code, 0);
  const before = Date.now();
  assert.equal((await hosts.run('b')).code, 0);
  const status = JSON.parse((await hosts.act('b', ['--status', '--json'])).stdout);
  assert.equal(status.lease.role, 'standby');
  assert.ok(status.lastCheck && Date.parse(status.lastCheck) >= before - 1000, `the standby's last check: ${status.lastCheck}`);
  assert.equal(status.checks.lastCheck, status.lastCheck, 'the next check is counted from the same last check');
  const text = (await hosts.act('b', ['--status'])).stdout;
  assert.match(text, /^ {2}last check +\S/m, text);
});
