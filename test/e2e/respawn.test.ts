// --respawn: a sh waiter beside the program sees it end, records how, and runs the same check
// at once: a killed program comes back with no call from cron, its signal on record; a stop
// or a hold brings nothing back; a program that dies at once backs off and goes FATAL with a
// bounded number of launches; with the waiter killed, cron's next check still does its work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, isAlive, lines, readOr, rootOnly, waitUntil } from '../helpers.ts';
import { endRespawned, pidsWithArg, procStat, uniqueMarker } from '../proc.ts';

interface Status {
  state: string;
  pid: number | null;
  launches: number;
  waiter?: { pid: number; alive: boolean };
  lastExit: { code: number | null; signal: string | null; pid: number } | null;
  events?: { kind: string; pid: number | null; detail: string | null }[];
}

async function status(box: Sandbox, pidFile = 'app.pid'): Promise<Status> {
  const run = await box.run(['--pid', pidFile, '--status', '--json', '--history']);
  return JSON.parse(run.stdout) as Status;
}

/** The PID in the PID file once it names a live process other than `not`. */
function nextPid(box: Sandbox, not: number, pidFile = 'app.pid'): Promise<number> {
  return waitUntil(() => {
    const pid = Number.parseInt(readOr(box.path(pidFile)), 10);
    return Number.isInteger(pid) && pid !== not && isAlive(pid) ? box.track(pid) : null;
  }, `a new program on ${pidFile}`);
}

test('SIGKILL: the waiter brings the program back with no check call, and its signal is on record', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('respawn');
  t.after(endRespawned(box, marker));
  const check = ['--pid', 'app.pid', '--respawn', '--', fixture('forever.js'), marker];
  const first = await box.run(check);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();
  const before = await status(box);
  assert.ok(before.waiter?.alive, JSON.stringify(before));
  const waiter = before.waiter.pid;
  // The waiter is the program's parent, a shell in a session of its own; the program leads its own group.
  assert.equal(procStat(pid)?.ppid, waiter);
  assert.equal(procStat(pid)?.pgrp, pid);
  assert.notEqual(procStat(waiter)?.session, procStat(pid)?.session);
  assert.match(readFileSync(`/proc/${waiter}/cmdline`, 'latin1'), /^\/bin\/sh\0/);

  process.kill(pid, 'SIGKILL');
  const next = await nextPid(box, pid);
  const after = await waitUntil(async () => {
    const seen = await status(box);
    return seen.state === 'running' && seen.pid === next && seen.waiter?.alive ? seen : null;
  }, 'the new run and its waiter on record');
  assert.equal(after.launches, 2);
  assert.deepEqual([after.lastExit?.pid, after.lastExit?.signal, after.lastExit?.code], [pid, 'SIGKILL', null]);
  const death = after.events?.find((e) => e.kind === 'death' && e.pid === pid);
  assert.match(death?.detail ?? '', /killed by SIGKILL, seen by its waiter/);
  assert.notEqual(after.waiter?.pid, waiter, 'a new waiter for the new run');

  // The waiter's check had no cron to mail its lines: cron's next check says them, once.
  const cron = await box.run(check);
  assert.equal(cron.code, 0, cron.stderr);
  assert.match(cron.stderr, new RegExp(`^app: died \\(pid ${pid}; .*killed by SIGKILL, seen by its waiter\\)`, 'm'));
  assert.match(cron.stderr, new RegExp(`^app: started \\(pid ${next}\\)$`, 'm'));
  const again = await box.run(check);
  assert.deepEqual([again.code, again.stdout, again.stderr], [0, '', '']);
  // The program's log has the program's lines only.
  assert.doesNotMatch(readOr(box.path('app.log')), /app: /);
});

test('--stop and a hold bring nothing back; the waiter goes with the run', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('respawn-stop');
  t.after(endRespawned(box, marker));
  const check = ['--pid', 'app.pid', '--respawn', '--', fixture('forever.js'), marker];
  assert.equal((await box.run(check)).code, 0);
  const pid = box.pidOf();
  const waiter = (await status(box)).waiter!.pid;
  box.track(waiter);
  const stop = await box.run(['--pid', 'app.pid', '--stop']);
  assert.equal(stop.code, 0, stop.stderr);
  await waitUntil(() => !isAlive(pid) && !isAlive(waiter), 'the program and its waiter to be gone');
  // Nothing of the run is left, and nothing new was started: the records say held, one launch.
  await waitUntil(() => pidsWithArg(marker).length === 0, 'no process of the program left');
  const held = await status(box);
  assert.deepEqual([held.state, held.launches], ['held', 1]);
  // A plain check while held leaves it alone, as without --respawn.
  const cron = await box.run(check);
  assert.deepEqual([cron.code, cron.stderr], [0, '']);
  assert.equal(pidsWithArg(marker).length, 0);
});

test('the waiter killed: --status says so, and the next cron check finds the death and relaunches as without --respawn', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('respawn-hold');
  t.after(endRespawned(box, marker));
  const check = ['--pid', 'app.pid', '--respawn', '--', fixture('forever.js'), marker];
  assert.equal((await box.run(check)).code, 0);
  const pid = box.pidOf();
  const waiter = (await status(box)).waiter!.pid;
  box.track(waiter);
  // The waiter is killed first, then the program: nothing sees the death but cron's next check.
  process.kill(waiter, 'SIGKILL');
  await waitUntil(() => !isAlive(waiter), 'the waiter to be gone');
  const seen = await status(box);
  assert.deepEqual([seen.state, seen.waiter?.alive], ['running', false]);
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid), 'the program to be gone');
  // cron's next check finds the death as it always did (status unknown: nobody saw it) and relaunches.
  const cron = await box.run(check);
  assert.equal(cron.code, 0, cron.stderr);
  assert.match(cron.stderr, new RegExp(`^app: died \\(pid ${pid}; .*(exit status unknown|is a zombie)`, 'm'));
  assert.doesNotMatch(cron.stderr, /seen by its waiter/);
  const next = box.pidOf();
  assert.notEqual(next, pid);
  assert.ok((await status(box)).waiter?.alive, 'the new run has a waiter again');
});

test('a program that dies at once backs off and goes FATAL as under cron: the waiter adds no launch', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('respawn-fail');
  t.after(endRespawned(box, marker));
  const check = ['--pid', 'app.pid', '--respawn', '--interval', '2s', '--max-retries', '2', '--', fixture('exit-now.js'), '3', marker];
  const first = await box.run(check);
  assert.equal(first.code, 1);
  assert.match(first.stderr, /^app: failed to start \(pid \d+ exited with code 3 .*failed start 1 of 2/m);
  // The waiter's check found the backoff and did nothing: one launch, no waiter left.
  await waitUntil(() => pidsWithArg(marker).length === 0, 'the waiter and its check to be done');
  assert.equal((await status(box)).launches, 1);
  // cron's calls: the next launch after the backoff fails too, and the program is FATAL.
  let said = '';
  await waitUntil(
    async () => {
      const run = await box.run(check);
      said += run.stderr;
      return /fatal/.test(said);
    },
    'FATAL',
    20_000,
    200,
  );
  await waitUntil(() => pidsWithArg(marker).length === 0, 'the last waiter and its check to be done');
  const fatal = await status(box);
  assert.deepEqual([fatal.state, fatal.launches], ['fatal', 2]);
  const more = await box.run(check);
  assert.equal(more.code, 1);
  assert.equal((await status(box)).launches, 2, 'no launch once FATAL');
  assert.equal(lines(more.stderr).length, 0);
});

/** The uid a live process runs as (the real uid of /proc/PID/status). */
function uidOf(pid: number): number | null {
  try {
    return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  } catch {
    return null;
  }
}

test('--restart: the old run and its waiter go, the new run has its own waiter, and nothing else is launched', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('respawn-restart');
  t.after(endRespawned(box, marker));
  const check = ['--pid', 'app.pid', '--respawn', '--', fixture('forever.js'), marker];
  assert.equal((await box.run(check)).code, 0);
  const pid = box.pidOf();
  const waiter = box.track((await status(box)).waiter!.pid);
  const restart = await box.run(['--pid', 'app.pid', '--restart', '--respawn', '--', fixture('forever.js'), marker]);
  assert.equal(restart.code, 0, restart.stderr);
  const next = box.pidOf();
  assert.notEqual(next, pid);
  await waitUntil(() => !isAlive(pid) && !isAlive(waiter), 'the old run and its waiter to be gone');
  const seen = await status(box);
  assert.deepEqual([seen.pid, seen.launches, seen.waiter?.alive], [next, 2, true]);
  // One program and one waiter: nothing else carries the marker once any old waiter's check is done.
  await waitUntil(() => pidsWithArg(marker).length === 2, 'the new run and its waiter alone');
  // The new waiter runs a plain check, not --restart again: a SIGKILL brings one new run.
  process.kill(next, 'SIGKILL');
  const third = await nextPid(box, next);
  assert.equal((await status(box)).launches, 3);
  assert.ok(isAlive(third));
});

test('--user nobody: the program runs as the user under a waiter of the caller, and comes back after SIGKILL as the user', {
  skip: rootOnly('to switch user'),
}, async (t) => {
  const box = new Sandbox();
  chmodSync(box.dir, 0o755);
  const marker = uniqueMarker('respawn-user');
  t.after(endRespawned(box, marker));
  const check = ['--pid', 'app.pid', '--respawn', '--user', 'nobody', '--', fixture('forever.js'), marker];
  const first = await box.run(check);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();
  const waiter = box.track((await status(box)).waiter!.pid);
  assert.deepEqual([uidOf(pid), uidOf(waiter), procStat(pid)?.ppid], [65534, 0, waiter]);
  process.kill(pid, 'SIGKILL');
  const next = await nextPid(box, pid);
  // The PID is on file from the spawn, while setsid and setpriv still exec in place: it becomes the user's.
  await waitUntil(() => uidOf(next) === 65534, 'the new program to run as nobody');
  const after = await waitUntil(async () => {
    const seen = await status(box);
    return seen.pid === next && seen.waiter?.alive ? seen : null;
  }, 'the new run on record');
  assert.equal(after.lastExit?.signal, 'SIGKILL');
  for (const record of ['app.pid', 'app.state.json']) assert.equal(statSync(box.path(record)).uid, 0, `${record} stays root's`);
});

test("a config file with two programs, one with respawn: it has a waiter, which runs the file's check; only its death has a status", async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('respawn-config');
  t.after(endRespawned(box, marker));
  writeFileSync(
    box.path('apps.toml'),
    [
      `[programs.quick]\ncommand = ${JSON.stringify([fixture('forever.js'), marker, 'quick'])}\nrespawn = true\n`,
      `[programs.plain]\ncommand = ${JSON.stringify([fixture('forever.js'), marker, 'plain'])}\n`,
    ].join('\n'),
  );
  const first = await box.run(['--config', 'apps.toml']);
  assert.equal(first.code, 0, first.stderr);
  const records = (name: string) => `registry/configs/apps/${name}.pid`;
  const quick = box.pidOf(records('quick'));
  const plain = box.pidOf(records('plain'));
  const statusOf = async (name: string) => {
    const run = await box.run(['--config', 'apps.toml', '--status', '--json', name]);
    const parsed = JSON.parse(run.stdout);
    return (Array.isArray(parsed) ? parsed[0] : parsed) as Status;
  };
  assert.ok((await statusOf('quick')).waiter?.alive);
  assert.equal((await statusOf('plain')).waiter, undefined);
  process.kill(quick, 'SIGKILL');
  process.kill(plain, 'SIGKILL');
  const next = await nextPid(box, quick, records('quick'));
  const seen = await waitUntil(async () => {
    const one = await statusOf('quick');
    return one.pid === next && one.waiter?.alive ? one : null;
  }, 'quick on record again');
  assert.equal(seen.lastExit?.signal, 'SIGKILL');
  // plain has no waiter: the file's waiter check (for quick) checked it too and relaunched it,
  // or it waits for cron's; either way its death has no status.
  const cron = await box.run(['--config', 'apps.toml']);
  assert.equal(cron.code, 0, cron.stderr);
  const plainNow = box.pidOf(records('plain'));
  assert.notEqual(plainNow, plain);
  const plainSeen = await statusOf('plain');
  assert.deepEqual([plainSeen.lastExit?.signal, plainSeen.waiter], [null, undefined]);
});

test('the death the waiter saw reaches --on-change at once with its signal, and the metrics', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('respawn-hook');
  t.after(endRespawned(box, marker));
  mkdirSync(box.path('calls'));
  const check = ['--pid', 'app.pid', '--respawn', '--on-change', `${fixture('hook-record.cjs')} ${box.path('calls')}`, '--', fixture('forever.js'), marker];
  assert.equal((await box.run(check)).code, 0);
  const pid = box.pidOf();
  await waitUntil(() => readdirSync(box.path('calls')).filter((f) => f.endsWith('.json')).length === 1, 'the hook of the first start');
  process.kill(pid, 'SIGKILL');
  await nextPid(box, pid);
  const calls = await waitUntil(() => {
    const files = readdirSync(box.path('calls'))
      .filter((f) => f.endsWith('.json'))
      .sort();
    const all = files.map((f) => JSON.parse(readFileSync(box.path('calls', f), 'utf8')) as Record<string, string>);
    return all.find((call) => call.ENSURE_RUNNING_SIGNAL) ? all : null;
  }, "the hook of the death, from the waiter's check");
  const death = calls.find((call) => call.ENSURE_RUNNING_SIGNAL)!;
  assert.equal(death.ENSURE_RUNNING_SIGNAL, 'SIGKILL');
  // What marks the waiter's check is not passed on: a hook that calls ensure-running is heard.
  assert.deepEqual([death.ENSURE_RUNNING_RESPAWNED, death.ENSURE_RUNNING_KEEP, death.ENSURE_RUNNING_WAITER], [undefined, undefined, undefined]);
  assert.match(death.ENSURE_RUNNING_MESSAGE ?? '', /killed by SIGKILL, seen by its waiter/);
  const metrics = await box.run(['--pid', 'app.pid', '--status', '--format', 'prometheus']);
  assert.match(metrics.stdout, /^ensure_running_last_exit_signal\{[^}]*signal="SIGKILL"\} 1$/m);
});

test('a health restart stops the old waiter with its run: one new run, one new waiter, no extra launch', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('respawn-health');
  t.after(endRespawned(box, marker));
  const check = ['--pid', 'app.pid', '--respawn', '--heartbeat', box.path('beat'), '--heartbeat-timeout', '1s', '--', fixture('forever.js'), marker];
  const first = await box.run(check);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();
  const waiter = box.track((await status(box)).waiter!.pid);
  const launchedAt = Date.now();
  await waitUntil(() => Date.now() - launchedAt > 1500, 'the heartbeat grace to be over');
  const restart = await box.run(check);
  assert.equal(restart.code, 0, restart.stderr);
  assert.match(restart.stderr, new RegExp(`^app: restarting \\(no heartbeat .*\\); stopped pid ${pid} with SIGTERM, started pid \\d+$`, 'm'));
  const next = box.pidOf();
  await waitUntil(() => !isAlive(waiter), 'the old waiter to be gone with its run');
  // Nothing but the new run and its waiter: no check of an old waiter is left, and it launched nothing.
  await waitUntil(() => pidsWithArg(marker).length === 2, 'the new run and its waiter alone');
  const seen = await status(box);
  assert.deepEqual([seen.pid, seen.launches, seen.waiter?.alive], [next, 2, true]);
});

test('a daemonizing program: the launcher exits 0, the daemon goes on file, and it has no waiter (cron is its backstop)', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('respawn-daemon');
  t.after(endRespawned(box, marker));
  const check = ['--pid', 'app.pid', '--respawn', '--', fixture('daemon.cjs'), box.path('own.pid'), marker];
  const first = await box.run(check);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr + first.stdout, /daemonized from \d+/);
  const daemon = box.pidOf();
  assert.equal(Number(readOr(box.path('own.pid'))), daemon);
  // The launcher's waiter saw exit 0 and ran its check, which found the daemon on file and did nothing.
  await waitUntil(() => pidsWithArg(marker).length === 1, 'the daemon alone');
  const seen = await status(box);
  assert.deepEqual([seen.pid, seen.launches, seen.waiter], [daemon, 1, undefined]);
  // Killed, it is found by cron's next check, as without --respawn.
  process.kill(daemon, 'SIGKILL');
  await waitUntil(() => !isAlive(daemon), 'the daemon to be gone');
  const cron = await box.run(check);
  assert.equal(cron.code, 0, cron.stderr);
  assert.match(cron.stderr, new RegExp(`^app: died \\(pid ${daemon};`, 'm'));
});

test('the check of a waiter whose run is no longer on record does nothing: no launch, not even of a forgotten program', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('respawn-old');
  t.after(endRespawned(box, marker));
  const check = ['--pid', 'app.pid', '--respawn', '--', fixture('forever.js'), marker];
  // As an old waiter's check runs it (its PID is not the waiter on record): on a program never launched, and on a dead one.
  const old = box.env({ ENSURE_RUNNING_RESPAWNED: '1' });
  const none = await box.run(check, { env: old });
  assert.deepEqual([none.code, none.stderr, pidsWithArg(marker).length], [0, '', 0]);
  assert.equal(await box.run(check).then((run) => run.code), 0);
  const pid = box.pidOf();
  const waiter = box.track((await status(box)).waiter!.pid);
  process.kill(waiter, 'SIGKILL');
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid) && !isAlive(waiter), 'the run and its waiter to be gone');
  const dead = await box.run(check, { env: old });
  assert.deepEqual([dead.code, dead.stderr, pidsWithArg(marker).length], [0, '', 0]);
  assert.equal((await status(box)).launches, 1);
  // cron's check does its work as always.
  assert.equal((await box.run(check)).code, 0);
  assert.equal((await status(box)).launches, 2);
});
