// A check killed between recording its launch token and the spawn leaves the token pending;
// the next check looks for a process carrying it. Only a process started no earlier than
// that launch can be its program: an older one carrying the same token (copied environment,
// a process of an earlier launch, a planted one) is never adopted, signalled or recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, isAlive, readOr, waitUntil } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';

/** How long before a launch a carrier must have started to be older than it (src/os/orphan.ts allows 2 s of slack). */
const OLDER_BY_MS = 4_000;

test('an older process carrying a pending launch token is never adopted: a new copy is launched, the old one left alone', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('carrier');
  t.after(cleanupMarked(box, marker));
  const token = randomBytes(12).toString('hex');
  // A session leader carrying the token, as the launched program would be, but started first.
  const carrier = spawn(process.execPath, [fixture('forever.js'), `${marker}-older`], {
    detached: true,
    stdio: 'ignore',
    env: { PATH: '/usr/bin:/bin', ENSURE_RUNNING_TOKEN: token },
  });
  carrier.unref();
  box.spawned(carrier.pid!);
  const carrierStarted = Date.now();
  await waitUntil(() => Date.now() - carrierStarted > OLDER_BY_MS, 'the carrier to be older than a launch made now', OLDER_BY_MS + 10_000, 100);

  // A check killed right before its spawn: its launch token is on record, pending.
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  const killed = await box.run(args, { env: box.env({ ENSURE_RUNNING_FAILPOINT: 'before-spawn' }) });
  assert.equal(killed.signal, 'SIGKILL', 'the failpoint before-spawn was reached');
  const file = box.path('app.state.json');
  const state = JSON.parse(readFileSync(file, 'utf8'));
  assert.ok(state.pending?.token, 'a launch is pending');
  assert.ok(state.pending.atMs >= carrierStarted + OLDER_BY_MS, 'the launch is recorded after the carrier started');
  // The pending launch's token is the one the older process carries.
  state.pending.token = token;
  rmSync(file);
  writeFileSync(file, JSON.stringify(state), { mode: 0o644 });

  // The killed check's lock goes stale first; then the check decides.
  const after = await box.run(args, { timeoutMs: 60_000 });
  assert.equal(after.code, 0, after.stderr);
  assert.match(after.stderr, /started/, 'a new copy was launched');
  const fresh = box.pidOf();
  assert.notEqual(fresh, carrier.pid, 'the older carrier is not taken for the program');
  assert.deepEqual(pidsWithArg(marker), [fresh], 'one copy of the program');
  assert.ok(isAlive(carrier.pid!), 'the older carrier was not signalled');
  const recorded = JSON.parse(readOr(file));
  assert.equal(recorded.identity.pid, fresh, 'the records name the new copy');
  assert.equal(recorded.pending, null, 'no launch is left pending');
});
