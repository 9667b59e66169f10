// Failed starts end to end: backoff in seconds (--interval 2s), FATAL once, --start, recovery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sandbox, fixture, isAlive, lines, readOr, type RunResult } from '../helpers.ts';

const FAST = ['--interval', '2s'];

interface Tick extends RunResult {
  lines: string[];
}

/**
 * Calls the check like cron would, but every 150 ms, until `done` sees what it waits for or
 * `timeoutMs` passes. Every call's result is kept, silent ones included.
 */
async function tickUntil(box: Sandbox, args: string[], done: (ticks: Tick[]) => boolean, timeoutMs = 20_000): Promise<Tick[]> {
  const ticks: Tick[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(ticks)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms; ticks so far: ${JSON.stringify(ticks.map((t) => [t.code, t.stderr]))}`);
    const run = await box.run(args);
    ticks.push({ ...run, lines: lines(run.stderr) });
    trackStarted(box, run.stderr);
    await new Promise((r) => setTimeout(r, 150));
  }
  return ticks;
}

/** Tracks every PID a "started" line names, for cleanup (the PID file goes when a program dies). */
function trackStarted(box: Sandbox, stderr: string): number[] {
  return [...stderr.matchAll(/started \(pid (\d+)\)/g)].map((m) => box.track(Number(m[1])));
}

const loud = (ticks: Tick[]) => ticks.flatMap((t) => t.lines);

test('a target that exits at once with code 3: one line per failed start, silence while backing off, FATAL once, --start tries again', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const check = ['--pid', 'app.pid', ...FAST, '--max-retries', '3', '--', fixture('exit-now.js'), '3'];

  const first = await box.run(check);
  assert.equal(first.code, 1);
  assert.equal(first.stdout, '');
  assert.match(
    first.stderr,
    new RegExp(
      '^app: failed to start \\(pid \\d+ exited with code 3 after [^)]*\\); failed start 1 of 3, ' +
        'next attempt after \\d\\d:\\d\\d:\\d\\d; last log lines: .*"exit-now: failing with code 3"\\n$',
    ),
  );

  // Inside the wait: nothing done, nothing printed, exit 1.
  const inside = await box.run(check);
  assert.deepEqual([inside.code, inside.stdout, inside.stderr], [1, '', '']);

  const ticks = await tickUntil(box, check, (all) => loud(all).some((line) => /fatal/.test(line)));
  const said = loud(ticks);
  assert.equal(said.length, 2, said.join('\n'));
  assert.match(said[0]!, /^app: failed to start \(pid \d+ exited with code 3 .*failed start 2 of 3, next attempt after/);
  assert.match(
    said[1]!,
    new RegExp(
      '^app: fatal: failed to start 3 times in a row \\(last: pid \\d+ exited with code 3 .*\\); no more launches ' +
        'until: ensure-running --pid \\S*app\\.pid --start; last log lines: "exit-now: failing with code 3"',
    ),
  );
  for (const tick of ticks) {
    assert.equal(tick.code, 1);
    assert.equal(tick.stdout, '');
  }
  assert.ok(
    ticks.some((tick) => tick.stderr === ''),
    'some checks fell inside the wait and were silent',
  );

  // After FATAL: silent and exit 1, however many checks, for longer than the last delay.
  const launchesAtFatal = readOr(box.path('app.log')).split('failing with code 3').length - 1;
  assert.equal(launchesAtFatal, 3);
  const startedAt = Date.now();
  const after = await tickUntil(box, check, () => Date.now() - startedAt > 4_500);
  for (const tick of after) assert.deepEqual([tick.code, tick.stdout, tick.stderr], [1, '', '']);
  assert.equal(readOr(box.path('app.log')).split('failing with code 3').length - 1, 3, 'no launch after FATAL');

  const status = await box.run(['--pid', 'app.pid', '--status']);
  assert.equal(status.code, 1);
  assert.match(status.stdout, /^app: fatal \(3 failed starts in a row \(last: exited with code 3/);
  assert.match(status.stdout, /last exit +exit code 3, pid \d+, .*\(inside its start window\)/);
  assert.match(status.stdout, /\| exit-now: failing with code 3/);
  assert.match(status.stdout, /launches +3/);

  // --start clears FATAL and the tally: the next attempt happens at once and counts as the first again.
  const start = await box.run(['--pid', 'app.pid', ...FAST, '--max-retries', '3', '--start', '--', fixture('exit-now.js'), '3']);
  assert.equal(start.code, 1);
  assert.match(start.stderr, /^app: failed to start \(pid \d+ exited with code 3 .*failed start 1 of 3/);
  assert.equal(lines(start.stderr).length, 1);
  assert.equal(readOr(box.path('app.log')).split('failing with code 3').length - 1, 4);
});

test('FATAL, then --start with a target that now succeeds: running again, exit 0', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const counter = box.path('count');
  const check = ['--pid', 'app.pid', ...FAST, '--max-retries', '2', '--', fixture('recover-after.cjs'), '3', counter];
  const ticks = await tickUntil(box, check, (all) => loud(all).some((line) => /fatal/.test(line)));
  assert.deepEqual(
    loud(ticks).map((line) => line.split(' (')[0]),
    ['app: failed to start', 'app: fatal: failed to start 2 times in a row'],
  );

  const start = await box.run(['--pid', 'app.pid', ...FAST, '--max-retries', '2', '--start', '--', fixture('recover-after.cjs'), '3', counter]);
  const [pid] = trackStarted(box, start.stderr);
  assert.equal(start.code, 0, start.stderr);
  assert.match(start.stderr, /^app: started \(pid \d+\)\n$/);
  assert.ok(pid && isAlive(pid));
  const status = await box.run(['--pid', 'app.pid', '--status', '--json', '--history']);
  const json = JSON.parse(status.stdout);
  assert.deepEqual([status.code, json.state, json.fatalReason, json.failedStarts], [0, 'running', null, 0]);
  assert.ok(json.events.some((e: { kind: string; detail: string | null }) => e.kind === 'start' && /manual start/.test(e.detail ?? '')));
});

test('a target that recovers after two failed starts: one "recovered" line, then a silent healthy check', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const check = ['--pid', 'app.pid', ...FAST, '--', fixture('recover-after.cjs'), '3', box.path('count')];
  const ticks = await tickUntil(box, check, (all) => loud(all).some((line) => /recovered/.test(line)));
  const said = loud(ticks);
  assert.equal(said.length, 3, said.join('\n'));
  assert.match(said[0]!, /failed to start \(pid \d+ exited with code 4 .*failed start 1 of 5.*"recover-after: attempt 1 failing"/);
  assert.match(said[1]!, /failed to start \(pid \d+ exited with code 4 .*failed start 2 of 5/);
  assert.match(said[2]!, /^app: recovered: started \(pid \d+\) after 2 failed starts$/);
  assert.equal(ticks.at(-1)!.code, 0);

  const healthy = await box.run(check);
  assert.deepEqual([healthy.code, healthy.stdout, healthy.stderr], [0, '', '']);

  const history = await box.run(['--pid', 'app.pid', '--status', '--history']);
  assert.equal(history.code, 0);
  const kinds = [...history.stdout.matchAll(/^ {4}\S+ \S+ {2}(\S+)/gm)].map((m) => m[1]);
  assert.deepEqual(kinds, ['start-failed', 'backoff', 'start-failed', 'backoff', 'launch', 'recovered']);
});
