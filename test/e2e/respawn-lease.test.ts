// --respawn with --lease: a holder that loses the lease stops its copy and the copy's waiter,
// and nothing comes back on that host; the waiter's check of a holder renews as cron's does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isAlive, waitUntil } from '../helpers.ts';
import { type Hosts, LONG, copies, privateStore, leaseHosts } from '../lease-hosts.ts';

/** The store's server: a private one, when its package is installed. */
const server = privateStore('redis');
const skip = server.skip;

/** The waiter of a run, from its state file. */
function waiterOf(hosts: Hosts, host: string): number {
  const state = JSON.parse(readFileSync(hosts.pidFile(host).replace(/\.pid$/, '.state.json'), 'utf8'));
  return hosts.box.track(state.identity.waiter.pid);
}

test('lease step-down with --respawn: the old holder stops its copy and its waiter, and nothing is launched there again', { skip }, async (t) => {
  const hosts = leaseHosts(t, server, 'respawn', undefined, { b: LONG });
  assert.equal((await hosts.run('a', ['--respawn'])).code, 0);
  const old = hosts.running('a');
  const waiter = waiterOf(hosts, 'a');
  assert.ok(isAlive(waiter));
  await hosts.runUntilRunning('b', 'b to take the lease over');
  const back = await hosts.run('a', ['--respawn']);
  assert.match(back.stderr, /stopping the copy here: stopped/);
  await waitUntil(() => !isAlive(old) && !isAlive(waiter), "a's copy and its waiter to be gone");
  // a's records name no run: no waiter's check of a's could act, and a's next check stays a standby.
  const again = await hosts.run('a', ['--respawn']);
  assert.equal(again.stderr, '');
  assert.deepEqual(
    copies(hosts, ['a', 'b']).map((copy) => copy.host),
    ['b'],
  );
});
