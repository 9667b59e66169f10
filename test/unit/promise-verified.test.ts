// The quiet promise reuses the verdict of the check's look (src/commands/promise.ts): under the
// same lock, milliseconds later, the process the look verified is not read from /proc again.
// The verdict counts only for that very process (PID, start time, boot): any other identity on
// record is verified here, and a dead one gives no promise.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promiseBlock } from '../../src/commands/promise.ts';
import { parseCall } from '../../src/cli/parse.ts';
import { resolveConfig } from '../../src/cli/settings.ts';
import { realWorld } from '../../src/world.ts';
import { identityOf } from '../../src/os/proc-identity.ts';
import { emptyState, type Identity, type ProgramState } from '../../src/core/state.ts';
import { Sandbox, isAlive, waitUntil } from '../helpers.ts';

async function setUp(box: Sandbox) {
  const world = { ...realWorld(), cwd: box.dir };
  const config = await resolveConfig(parseCall(['--pid', 'app.pid', '--', 'sleep', '60']), world, { schedules: false });
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  const pid = box.spawned(child.pid!);
  const gone = new Promise<void>((done) => child.once('exit', () => done()));
  writeFileSync(config.paths.pidFile, `${pid}\n`);
  writeFileSync(config.paths.stateFile, '{}\n');
  const identity = identityOf(pid, Date.now() - 60_000, 'token');
  const state: ProgramState = { ...emptyState(['sleep', '60'], box.dir), identity, settled: true };
  return { world, config, identity, state, kill: async () => (process.kill(pid, 'SIGKILL'), await gone) };
}

test('a live program verified by the look gets its promise, from the look or verified anew', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const { world, config, identity, state } = await setUp(box);
  assert.ok(promiseBlock(config, world, state, identity), 'with the look verdict');
  assert.ok(promiseBlock(config, world, state, null), 'verified here');
});

test('the look verdict is reused only for the process it verified: another identity on record is verified, and a dead one gives no promise', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const { world, config, identity, state, kill } = await setUp(box);
  await kill();
  await waitUntil(() => !isAlive(identity.pid), 'the program to be gone');
  // The look verified the very process on record, under the lock, before it died: its verdict stands (the verifiers check liveness at every call).
  assert.ok(promiseBlock(config, world, state, identity), 'the verdict on the same process is reused');
  const others: [string, Identity][] = [
    ['another start time', { ...identity, startTime: `${Number(identity.startTime) + 1}` }],
    ['another PID', { ...identity, pid: identity.pid + 1 }],
    ['another boot', { ...identity, bootId: 'another-boot' }],
  ];
  for (const [what, verified] of others)
    assert.equal(promiseBlock(config, world, state, verified), null, `${what}: the dead process on record is verified here`);
  assert.equal(promiseBlock(config, world, state, null), null, 'no verdict: verified here');
});
