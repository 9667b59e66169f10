// Two calls of one config file at once: each program is checked under its own lock, so a call
// that stands still between its decision and its launch (here stopped right before it, as a
// starved or swapped-out call would be) keeps the other call waiting for that program, which
// then finds it launched. Without the lock the other call launches it too: two copies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Sandbox, BIN, fixture, isAlive, waitUntil } from '../helpers.ts';
import { cleanupMarked, cmdline, pidsWithArg, procStat, uniqueMarker } from '../proc.ts';

test('a config call stopped before a launch keeps an overlapping call of the same file from launching that program too', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('config-overlap');
  t.after(cleanupMarked(box, marker));
  const names = ['a', 'b'];
  writeFileSync(
    box.path('apps.toml'),
    [
      '[defaults]\nstate-dir = "run"\nstart-secs = 0\n',
      ...names.map((name) => `[programs.${name}]\ncommand = ${JSON.stringify([fixture('forever.js'), name, marker])}\n`),
    ].join('\n'),
  );
  const args = ['--config', 'apps.toml'];
  const first = spawn(BIN, args, { cwd: box.dir, env: box.env({ ENSURE_RUNNING_FAILPOINT: 'pause:before-launch' }), stdio: ['ignore', 'pipe', 'pipe'] });
  box.spawned(first.pid!);
  let said = '';
  for (const stream of [first.stdout!, first.stderr!]) stream.on('data', (chunk: Buffer) => (said += chunk.toString()));
  const firstEnded = new Promise<number | null>((done) => first.once('exit', (code) => done(code)));
  await waitUntil(() => said.includes('paused at before-launch') && procStat(first.pid!)?.state === 'T', 'the first call to stop before a launch', 60_000);

  // The second call: with the locks it waits for the program the first one is launching; it may
  // not end before the first goes on. Given a few seconds (well inside the lock's stale period).
  const second = box.run(args);
  const early = await Promise.race([second.then(() => true), new Promise<boolean>((done) => setTimeout(() => done(false), 3_000))]);

  // The first call stops before each of its launches: let it go on until it ends.
  let firstCode: number | null | undefined;
  void firstEnded.then((code) => (firstCode = code));
  await waitUntil(
    () => {
      if (firstCode !== undefined) return true;
      if (procStat(first.pid!)?.state === 'T') process.kill(first.pid!, 'SIGCONT');
      return false;
    },
    'the first call to end',
    60_000,
    50,
  );
  const secondRun = await second;
  assert.equal(firstCode, 0, said);
  assert.equal(secondRun.code, 0, secondRun.stderr);
  const instances = names.map((name) => pidsWithArg(marker).filter((pid) => cmdline(pid)?.includes(name)));
  assert.deepEqual(
    instances.map((pids) => pids.length),
    names.map(() => 1),
    `one copy of each program (the second call ${early ? 'ended while the first stood still' : 'waited'}):\n${said}${secondRun.stderr}`,
  );
  for (const name of names) assert.ok(isAlive(box.pidOf(`run/${name}.pid`)));
});
