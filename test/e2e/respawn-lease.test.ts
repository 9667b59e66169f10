// --respawn with --lease: a holder that loses the lease stops its copy and the copy's waiter,
// and nothing comes back on that host; the waiter's check of a holder renews as cron's does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { Sandbox, isAlive, waitUntil } from '../helpers.ts';
import { startRedis, type StoreServer } from '../servers.ts';
import { needs } from '../tools.ts';
import { Hosts, LONG, copies } from '../lease-hosts.ts';

const skip = needs('redis-server');
let server: StoreServer;
before(async () => {
  if (!skip) server = await startRedis();
});
after(async () => {
  await server?.cleanup();
});

/** The waiter of a run, from its state file. */
function waiterOf(hosts: Hosts, host: string): number {
  const state = JSON.parse(readFileSync(hosts.pidFile(host).replace(/\.pid$/, '.state.json'), 'utf8'));
  return hosts.box.track(state.identity.waiter.pid);
}

test('lease step-down with --respawn: the old holder stops its copy and its waiter, and nothing is launched there again', { skip }, async (t) => {
  const box = new Sandbox();
  for (const host of ['a', 'b', 'c']) mkdirSync(box.path(host, 'home'), { recursive: true });
  const hosts = new Hosts(box, server, `respawn-${process.pid}`, undefined, { b: LONG });
  t.after(() => hosts.cleanup());
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
