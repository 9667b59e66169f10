// --lease postgres:// under the manual actions (--stop on every host, --start, --release),
// against a private PostgreSQL started for this file (test/servers.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAlive } from '../helpers.ts';
import { type Hosts, LONG, copies, privateStore, leaseHosts, type TestLike } from '../lease-hosts.ts';

/** The store's server: a private one, when its package is installed. */
const server = privateStore('postgres');
const skip = server.skip;

/** A sandbox with hosts a, b, c on a lease of their own. */
const setup = (t: TestLike, times?: string[]): Hosts => leaseHosts(t, server, 'app', times);

test('lease: --stop holds the program stopped on every host; --start clears it', { skip }, async (t) => {
  const hosts = setup(t, LONG);
  assert.equal((await hosts.run('a')).code, 0);
  assert.equal((await hosts.run('b')).code, 0);
  const copy = hosts.running('a');
  const stop = await hosts.act('b', ['--stop']);
  assert.equal(stop.code, 0, stop.stderr);
  // b never launched the program: its hint names the command to give, so that it works there too.
  assert.match(stop.stdout, /held stopped on every host \(lease \S+\) until, on any host: ensure-running .* --start -- COMMAND$/m);
  const held = await hosts.run('a');
  assert.match(held.stderr, /held stopped on every host \(--stop on host b\); stopping the copy here: stopped/);
  assert.ok(!isAlive(copy));
  for (const host of ['a', 'b', 'a', 'b']) {
    const quiet = await hosts.run(host);
    assert.deepEqual([quiet.code, quiet.stderr], [0, '']);
  }
  assert.deepEqual(copies(hosts, ['a', 'b']), [], 'held: no host runs it');
  // The hint as printed, run on b (the standby) with the command filled in.
  const hint = stop.stdout.match(/on any host: ensure-running (.*) -- COMMAND$/m)![1]!;
  const start = await hosts.box.run([...hint.split(' '), ...LONG, '--', 'ignored'], { env: hosts.env('b') });
  assert.equal(start.code, 0, start.stderr);
  for (const host of ['a', 'b']) assert.equal((await hosts.run(host)).code, 0);
  assert.equal(copies(hosts, ['a', 'b']).length, 1, 'one copy again');
});

test('lease: --release stops the copy here and hands over: another host takes it at its next check, with a higher token', { skip }, async (t) => {
  const hosts = setup(t, LONG);
  assert.equal((await hosts.run('c')).code, 0);
  const copy = hosts.running('c');
  assert.equal((await hosts.run('a')).code, 0);
  const release = await hosts.act('c', ['--release']);
  assert.equal(release.code, 0, release.stderr);
  assert.match(release.stdout, /released lease \S+ \(token 1\)/);
  assert.ok(!isAlive(copy));
  // The releasing host does not take it back at once.
  const again = await hosts.run('c');
  assert.deepEqual([again.code, hosts.running('c')], [0, 0]);
  const taken = await hosts.run('a');
  assert.match(taken.stderr, /took over lease \S+ from host [0-9a-f]{16} \(\S+\) \(token 2\)/);
  assert.ok(hosts.running('a') > 0);
});
