// A launch is a process tree: its run is the spawned process's group plus every process that
// carries its launch token. A helper is never taken for the program, a wrapper's orphan is
// stopped before any relaunch, a daemon is followed, and a stop reaches the whole run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { Sandbox, fixture, isAlive, lines, readOr, waitUntil } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, procStat, uniqueMarker } from '../proc.ts';

/** The "<program> <helper>" pairs the helper-then-crash fixture appended, tracked for cleanup. */
async function helperPairs(box: Sandbox, count: number): Promise<[number, number][]> {
  const text = await waitUntil(
    () => (lines(readOr(box.path('pids.txt'))).length >= count ? readOr(box.path('pids.txt')) : ''),
    `${count} program/helper pairs`,
  );
  const pairs = lines(text).map((line) => line.split(' ').map(Number) as [number, number]);
  for (const [program, helper] of pairs) {
    box.track(program);
    box.track(helper);
  }
  return pairs;
}

function helperArgs(box: Sandbox, marker: string): string[] {
  return ['--pid', 'app.pid', '--start-secs', '0', '--kill-after', '2s', '--', fixture('helper-then-crash.cjs'), box.path('pids.txt'), marker];
}

test('a program that started a detached helper then crashed: relaunched, the helper never recorded, stopped with the old run', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('helper');
  t.after(cleanupMarked(box, marker));
  const args = helperArgs(box, marker);
  assert.equal((await box.run(args)).code, 0);
  const [program, helper] = (await helperPairs(box, 1))[0]!;
  assert.notEqual(procStat(helper)!.session, procStat(program)!.session, 'the helper leads its own session');

  process.kill(program, 'SIGUSR2');
  await waitUntil(() => !isAlive(program), 'the program to crash');
  const check = await box.run(args);
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stderr, new RegExp(`died \\(pid ${program}\\b.*; stopped 1 process left from its run \\(pid ${helper}\\)`));
  assert.doesNotMatch(check.stderr, /found by its environment|recorded pid/);
  const relaunched = box.pidOf();
  assert.notEqual(relaunched, helper, 'the helper is not the program');
  assert.notEqual(relaunched, program);
  assert.ok(!isAlive(helper), "the old run's helper is stopped");
  const second = (await helperPairs(box, 2))[1]![0];
  assert.equal(second, relaunched, 'the new program is the spawned process');
  const status = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.equal(status.pid, relaunched);
});

test('records lost, then the program crashed leaving its helper: the helper is stopped, never adopted; one new run', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('helper-lost');
  t.after(cleanupMarked(box, marker));
  const args = helperArgs(box, marker);
  assert.equal((await box.run(args)).code, 0);
  const [program, helper] = (await helperPairs(box, 1))[0]!;
  rmSync(box.path('app.state.json'));
  process.kill(program, 'SIGUSR2');
  await waitUntil(() => !isAlive(program), 'the program to crash');
  const check = await box.run(args);
  assert.equal(check.code, 0, check.stderr);
  assert.match(
    check.stderr,
    new RegExp(`not running \\(pid ${program} of the PID file is gone and its records are lost\\); stopped 1 process left from its run \\(pid ${helper}\\)`),
  );
  assert.doesNotMatch(check.stderr, /found by its environment/);
  assert.ok(!isAlive(helper), 'the helper is stopped');
  const [second, secondHelper] = (await helperPairs(box, 2))[1]!;
  assert.equal(box.pidOf(), second, 'the new program is the spawned process');
  assert.deepEqual(pidsWithArg(marker).sort(), [second, secondHelper].sort());
});

test('--restart of a program with a detached helper: the helper is stopped with it, one new run', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('helper-restart');
  t.after(cleanupMarked(box, marker));
  const args = helperArgs(box, marker);
  assert.equal((await box.run(args)).code, 0);
  const [program, helper] = (await helperPairs(box, 1))[0]!;
  const restart = await box.run(['--restart', ...args]);
  assert.equal(restart.code, 0, restart.stderr);
  assert.match(restart.stdout, new RegExp(`stopped \\(pid ${program}, SIGTERM after .*, with 1 other process of its run \\(pid ${helper}\\)\\)`));
  assert.ok(!isAlive(program) && !isAlive(helper), 'the old program and its helper are gone');
  const [second, secondHelper] = (await helperPairs(box, 2))[1]!;
  assert.equal(box.pidOf(), second);
  assert.deepEqual(pidsWithArg(marker).sort(), [second, secondHelper].sort(), 'one program, one helper');
});

test('--stop then --start of a program with a detached helper: the stop reaches the helper, the start makes one new run', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('helper-stop');
  t.after(cleanupMarked(box, marker));
  const args = helperArgs(box, marker);
  assert.equal((await box.run(args)).code, 0);
  const [program, helper] = (await helperPairs(box, 1))[0]!;
  const stop = await box.run(['--pid', 'app.pid', '--stop', '--kill-after', '2s']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.ok(!isAlive(program) && !isAlive(helper), 'the program and its helper are stopped');
  assert.deepEqual(pidsWithArg(marker), []);
  const start = await box.run(['--start', ...args]);
  assert.equal(start.code, 0, start.stderr);
  const [second, secondHelper] = (await helperPairs(box, 2))[1]!;
  assert.equal(box.pidOf(), second, 'the spawned process is the program, not a helper');
  assert.deepEqual(pidsWithArg(marker).sort(), [second, secondHelper].sort());
});

/** A wrapper that does not exec its program: `sh -c 'node forever.js MARKER; exit $?'`. */
function wrapperArgs(marker: string): string[] {
  return [
    '--pid',
    'app.pid',
    '--start-secs',
    '0',
    '--kill-after',
    '2s',
    '--',
    '/bin/sh',
    '-c',
    `"$0" "$1" "$2"; exit $?`,
    process.execPath,
    fixture('forever.js'),
    marker,
  ];
}

/** The node child of the wrapper, once it runs. */
async function childOf(wrapper: number, marker: string): Promise<number> {
  return waitUntil(() => pidsWithArg(marker).find((pid) => procStat(pid)?.ppid === wrapper), "the wrapper's child");
}

test('a wrapper killed alone leaves its child in the old group: the orphan is stopped, then exactly one new copy', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('wrapper');
  t.after(cleanupMarked(box, marker));
  assert.equal((await box.run(wrapperArgs(marker))).code, 0);
  const wrapper = box.pidOf();
  const child = box.track(await childOf(wrapper, marker));
  assert.equal(procStat(child)!.pgrp, wrapper, "the child runs in the wrapper's group");

  process.kill(wrapper, 'SIGKILL');
  await waitUntil(() => !isAlive(wrapper), 'the wrapper to die');
  assert.ok(isAlive(child), 'its child runs on');
  const check = await box.run(wrapperArgs(marker));
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stderr, new RegExp(`died \\(pid ${wrapper}\\b.*; stopped 1 process left from its run \\(pid ${child}\\)`));
  assert.ok(!isAlive(child), 'the orphan is stopped');
  const wrapper2 = box.pidOf();
  const child2 = box.track(await childOf(wrapper2, marker));
  assert.deepEqual(pidsWithArg(marker).sort(), [wrapper2, child2].sort(), 'exactly one copy of the program (the new wrapper and its child)');
});

test('--stop with the wrapper gone reaches the orphan it left', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('wrapper-stop');
  t.after(cleanupMarked(box, marker));
  assert.equal((await box.run(wrapperArgs(marker))).code, 0);
  const wrapper = box.pidOf();
  const child = box.track(await childOf(wrapper, marker));
  process.kill(wrapper, 'SIGKILL');
  await waitUntil(() => !isAlive(wrapper), 'the wrapper to die');
  const stop = await box.run(['--pid', 'app.pid', '--stop', '--kill-after', '2s']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, new RegExp(`was not running; stopped 1 process left from its run \\(pid ${child}\\)`));
  assert.ok(!isAlive(child), 'the orphan is stopped');
  assert.deepEqual(pidsWithArg(marker), []);
});

test('a double-forking daemon is followed: started (pid D, daemonized from L), one copy only, its own PID file kept', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('daemon');
  t.after(cleanupMarked(box, marker));
  const args = ['--pid', 'app.pid', '--start-secs', '3', '--', fixture('daemon.cjs'), box.path('app.pid'), marker];
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  const daemon = box.pidOf();
  const started = /started \(pid (\d+), daemonized from (\d+)\)/.exec(first.stderr);
  assert.ok(started, first.stderr);
  assert.equal(Number(started[1]), daemon, 'the PID file names the daemon');
  assert.ok(isAlive(daemon));
  assert.deepEqual(pidsWithArg(marker), [daemon], 'one daemon, the launcher and the middle are gone');

  for (let i = 0; i < 2; i++) {
    const again = await box.run(args);
    assert.deepEqual([again.code, again.stdout, again.stderr], [0, '', ''], 'guarded like any program: quiet while it runs');
  }
  assert.equal(readOr(box.path('app.pid')), `${daemon}\n`);
  assert.deepEqual(pidsWithArg(marker), [daemon], 'still one copy');
  const status = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.deepEqual([status.pid, status.verified], [daemon, true]);

  const stop = await box.run(['--pid', 'app.pid', '--stop']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, new RegExp(`stopped \\(pid ${daemon}, SIGTERM`));
  assert.deepEqual(pidsWithArg(marker), []);
});

test('a SIGSTOPped program is stopped gracefully by --stop: SIGCONT follows the stop signal, its TERM handler runs', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('sigstop');
  t.after(cleanupMarked(box, marker));
  assert.equal((await box.run(['--pid', 'app.pid', '--start-secs', '0', '--', fixture('graceful.cjs'), box.path('term.txt'), marker])).code, 0);
  const pid = box.pidOf();
  await waitUntil(() => readOr(box.path('app.log')).includes('ready'), 'its TERM handler to be in place');
  process.kill(pid, 'SIGSTOP');
  await waitUntil(() => procStat(pid)?.state === 'T', 'the program to be stopped');
  const stop = await box.run(['--pid', 'app.pid', '--stop', '--kill-after', '20s']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, new RegExp(`stopped \\(pid ${pid}, SIGTERM after`));
  assert.doesNotMatch(stop.stdout, /SIGKILL|ignored/);
  assert.equal(readOr(box.path('term.txt')), 'term handled\n', 'its graceful shutdown ran');
  assert.ok(!isAlive(pid));
});

test('--kill-after 0 says the program was killed without a wait, not that it ignored SIGTERM', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('kill-after-0');
  t.after(cleanupMarked(box, marker));
  assert.equal((await box.run(['--pid', 'app.pid', '--start-secs', '0', '--', fixture('ignore-term.cjs'), box.path('pids.txt'), marker])).code, 0);
  const pid = box.pidOf();
  const stop = await box.run(['--pid', 'app.pid', '--stop', '--kill-after', '0']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, new RegExp(`stopped \\(pid ${pid}, SIGKILL after .*: no wait with --kill-after 0`));
  assert.doesNotMatch(stop.stdout, /ignored/);
  assert.ok(!existsSync(box.path('app.pid')));
});
