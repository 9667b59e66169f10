// The quiet promise against a real impostor (the recorded PID reused, as root via ns_last_pid)
// and a real zombie (under a subreaper that never reaps): the shell front door, under dash and
// BusyBox sh, must run node, and the full check relaunches without touching either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { BIN, Sandbox, fixture, isAlive, killHard, runProcess, waitUntil } from '../helpers.ts';
import { needs } from '../tools.ts';
import { cleanupMarked, pidsWithArg, procStat, uniqueMarker, impostorAt, pidReuseSkip } from '../proc.ts';

const skip = pidReuseSkip || needs('dash', 'busybox');
const SHELLS = [['dash'], ['busybox', 'sh']];

/** Runs the front door under each shell with a recorder in place of node; true where node would have run. */
async function doorRanNode(box: Sandbox, args: string[]): Promise<boolean[]> {
  const recorder = box.path('node-recorder');
  const record = box.path('node-ran');
  writeFileSync(recorder, `#!/bin/sh\necho ran > '${record}'\n`, { mode: 0o755 });
  const ran: boolean[] = [];
  for (const shell of SHELLS) {
    const door = await runProcess(shell[0]!, [...shell.slice(1), BIN, ...args], { cwd: box.dir, env: box.env({ ENSURE_RUNNING_NODE: recorder }) });
    assert.deepEqual([door.code, door.stdout, door.stderr], [0, '', '']);
    ran.push(existsSync(record));
    rmSync(record, { force: true });
  }
  return ran;
}

test('a promise whose PID now belongs to an impostor is not kept: node runs, relaunches, and leaves the impostor alone', { skip }, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('promise-reuse');
  t.after(cleanupMarked(box, marker));
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  assert.equal((await box.run(args)).code, 0);
  const old = box.pidOf();
  const quiet = await box.run(args);
  assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', '']);
  assert.ok(existsSync(box.path('app.promise')), 'the quiet check left a promise');
  assert.deepEqual(await doorRanNode(box, args), [false, false], 'the promise holds while the program runs');

  process.kill(old, 'SIGKILL');
  await waitUntil(() => !existsSync(`/proc/${old}`), `pid ${old} to be reaped`, 20_000);
  const impostor = await impostorAt(box, old);
  assert.deepEqual(await doorRanNode(box, args), [true, true], 'same PID, another start time: node decides');

  const check = await box.run(args);
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stderr, /started/);
  assert.deepEqual(pidsWithArg(marker), [box.pidOf()]);
  assert.ok(isAlive(impostor), 'the impostor is untouched');
});

test('a promise whose process became a zombie is not kept: node runs and relaunches', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('promise-zombie');
  const reaper = spawn('python3', [fixture('subreaper.py')], { cwd: box.dir, env: box.env(), stdio: ['pipe', 'pipe', 'inherit'] });
  const reaperPid = box.spawned(reaper.pid!);
  t.after(() => {
    reaper.stdin.end();
    killHard(reaperPid);
    cleanupMarked(box, marker)();
  });
  const answers = createInterface({ input: reaper.stdout })[Symbol.asyncIterator]();
  const next = async () => JSON.parse((await answers.next()).value as string) as { code: number; stderr: string; ready?: boolean };
  assert.equal((await next()).ready, true);
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  reaper.stdin.write(`${JSON.stringify([BIN, ...args])}\n`);
  assert.equal((await next()).code, 0);
  const pid = box.pidOf();
  const quiet = await box.run(args);
  assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', '']);
  assert.deepEqual(await doorRanNode(box, args), [false, false], 'the promise holds while the program runs');

  process.kill(pid, 'SIGKILL');
  await waitUntil(() => procStat(pid)?.state === 'Z', 'the target to become a zombie');
  assert.deepEqual(await doorRanNode(box, args), [true, true], 'a zombie is dead: node decides');
  const check = await box.run(args);
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stderr, /zombie/);
  assert.notEqual(box.pidOf(), pid);
});
