// --lease when a check stands still (SIGSTOP at a named point of the fault suite) while the
// lease runs out and another host takes it: an answer older than --lease-timeout counts as
// no answer, and right before a spawn the time left on the lease is checked again. Against a
// private redis-server (test/servers.ts); the holder's times are FAST (TTL 8 s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BIN, waitUntil } from '../helpers.ts';
import { type Hosts, LONG, copies, privateStore, leaseHosts } from '../lease-hosts.ts';

/** The store's server: a private one, when its package is installed. */
const server = privateStore('redis');
const skip = server.skip;

/** a's first check stands still at `point` until b has taken the lease over, then goes on: it must launch nothing. */
async function standStill(t: { after(fn: () => void): void }, point: string): Promise<{ code: number | null; stderr: string; hosts: Hosts }> {
  // b's lease, once taken, outlives the slowest check of a busy machine.
  const hosts = leaseHosts(t, server, 'stale', undefined, { b: LONG });
  const box = hosts.box;
  const child = spawn(BIN, hosts.args('a'), {
    cwd: box.dir,
    env: hosts.env('a', { ENSURE_RUNNING_FAILPOINT: `pause:${point}` }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  box.spawned(child.pid!);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  await waitUntil(() => stderr.includes(`paused at ${point}`), `a's check to stand still at ${point}`);
  await hosts.runUntilRunning('b', "b to take the lease over while a's check stands still");
  process.kill(child.pid!, 'SIGCONT');
  const code = await exited;
  return { code, stderr, hosts };
}

test('lease: a check that stood still after the store answered counts the answer as none, launches nothing', { skip }, async (t) => {
  const { code, stderr, hosts } = await standStill(t, 'lease-answered');
  assert.equal(code, 1, stderr);
  assert.match(stderr, /its answer came \S+ after the request, later than --lease-timeout 3s: counted as no answer/);
  assert.deepEqual(hosts.launches('a'), []);
  assert.deepEqual(
    copies(hosts, ['a', 'b']).map((copy) => copy.host),
    ['b'],
  );
});

test('lease: a check that stood still before the spawn checks the time left again, launches nothing', { skip }, async (t) => {
  const { code, stderr, hosts } = await standStill(t, 'before-launch');
  assert.equal(code, 1, stderr);
  assert.match(
    stderr,
    /lease \S+ is surely this host's for \S+ more, less than a store call and a stop \(4s\): this check stood still since the store answered/,
  );
  assert.deepEqual(hosts.launches('a'), []);
  assert.deepEqual(
    copies(hosts, ['a', 'b']).map((copy) => copy.host),
    ['b'],
  );
});
