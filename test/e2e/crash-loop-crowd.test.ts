// Deaths after the start window end to end: manual kills relaunched at once, crowded deaths
// backed off under --crowd-backoff (the default keeps them up: crowd-kept-up.test.ts), the environment of the target, and a sidecar that stays bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { Sandbox, fixture, isAlive, lines, readOr, waitUntil, type RunResult } from '../helpers.ts';
import { MAX_EVENTS } from '../../src/core/state.ts';

const FAST = ['--interval', '2s'];

/** The PID a "started" line names, tracked for cleanup; throws when there is none. */
function startedPid(box: Sandbox, stderr: string): number {
  const match = /started \(pid (\d+)\)/.exec(stderr);
  if (!match) throw new Error(`no "started" line in: ${stderr}`);
  return box.track(Number(match[1]));
}

test('--crowd-backoff: a target that crashes 1.5 s after each start: relaunched at once twice, then the crowded deaths back off', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const check = ['--pid', 'app.pid', ...FAST, '--crowd-backoff', '--start-secs', '0.5', '--', fixture('crash-after.js'), '1500', '7'];

  const first = await box.run(check);
  assert.equal(first.code, 0, first.stderr);
  let pid = startedPid(box, first.stderr);
  for (const death of [1, 2]) {
    await waitUntil(() => !isAlive(pid), `run ${death} to crash`);
    const next = await box.run(check);
    assert.equal(next.code, 0, next.stderr);
    const said = lines(next.stderr);
    assert.equal(said.length, 2, next.stderr);
    // Found later: when it was last seen alive, and the log tail; never an exit code (7 is not known here).
    // A slow init may not have reaped it yet: a zombie is dead too.
    assert.match(
      said[0]!,
      new RegExp(
        `^app: died \\(pid ${pid}; last seen alive \\d\\d:\\d\\d:\\d\\d; (exit status unknown: it died between ` +
          `checks|pid \\d+ is a zombie \\(exited, not yet reaped\\))\\); last log lines: .*"crash-after: crashing now"$`,
      ),
    );
    assert.doesNotMatch(said[0]!, /code 7/);
    pid = startedPid(box, said[1]!);
    assert.match(said[1]!, /^app: started \(pid \d+\)$/);
  }
  await waitUntil(() => !isAlive(pid), 'run 3 to crash');
  const crowded = await box.run(check);
  assert.equal(crowded.code, 1);
  assert.match(
    crowded.stderr,
    new RegExp(`^app: died \\(pid ${pid}; .*\\); 3 deaths within 10m 0s: backing off, next launch after \\d\\d:\\d\\d:\\d\\d; last log lines: .*\\n$`),
  );
  assert.equal(readOr(box.path('app.pid')), '', 'the dead PID left the PID file');

  const inside = await box.run(check);
  assert.deepEqual([inside.code, inside.stdout, inside.stderr], [1, '', '']);
  const status = await box.run(['--pid', 'app.pid', '--status', '--json']);
  const json = JSON.parse(status.stdout);
  assert.equal(status.code, 1);
  assert.equal(json.state, 'backoff');
  assert.ok(Date.parse(json.backoffUntil) > Date.parse(json.lastExit.at));
  assert.deepEqual([json.lastExit.code, json.lastExit.inStartWindow, json.launches], [null, false, 3]);
  assert.ok(json.lastExit.lastSeenAlive);

  // Once the delay has passed, a check launches again and says so in one line.
  let resumed: RunResult | undefined;
  await waitUntil(async () => {
    resumed = await box.run(check);
    return resumed.stderr !== '';
  }, 'the launch after the backoff');
  if (!resumed) throw new Error('no check ran');
  startedPid(box, resumed.stderr);
  assert.match(resumed.stderr, /^app: started \(pid \d+\) after backing off \(3 deaths within 10m 0s\)\n$/);
});

test('the target gets ENSURE_RUNNING_RESTARTS and ENSURE_RUNNING_PIDFILE; two manual kills are relaunched at once', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const check = ['--pid', 'app.pid', ...FAST, '--start-secs', '0.2', '--', fixture('forever.js')];
  const seen: { restarts: string | null; pidfile: string | null }[] = [];
  const first = await box.run(check);
  let pid = startedPid(box, first.stderr);
  for (let kill = 1; kill <= 2; kill++) {
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => !isAlive(pid), 'the killed target to be gone');
    const next = await box.run(check);
    assert.equal(next.code, 0, next.stderr);
    assert.match(next.stderr, /^app: died .*\napp: started \(pid \d+\)\n$/);
    pid = startedPid(box, next.stderr);
  }
  await waitUntil(() => lines(readOr(box.path('app.log'))).length >= 3, 'three launches in the log');
  for (const line of lines(readOr(box.path('app.log')))) seen.push(JSON.parse(line));
  assert.deepEqual(
    seen.map((s) => s.restarts),
    ['0', '1', '2'],
  );
  for (const s of seen) assert.equal(s.pidfile, box.path('app.pid'));
});

test('--status --history and --json --history list the events; the sidecar stays bounded after many of them', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const command = ['--pid', 'app.pid', '--start-secs', '0', '--kill-after', '2s'];
  const target = ['--', fixture('forever.js')];
  startedPid(box, (await box.run([...command, ...target])).stderr);
  // Each --restart records stopping (the hold, before the first signal), stop, start and launch: well past the bound.
  const restarts = Math.ceil(MAX_EVENTS / 3) + 4;
  for (let i = 0; i < restarts; i++) {
    const run = await box.run([...command, '--restart', ...target]);
    assert.equal(run.code, 0, run.stderr);
    startedPid(box, run.stderr);
  }
  const state = JSON.parse(readFileSync(box.path('app.state.json'), 'utf8'));
  assert.equal(state.events.length, MAX_EVENTS);
  assert.ok(statSync(box.path('app.state.json')).size < 16_384, 'sidecar stays small');

  const json = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json', '--history'])).stdout);
  assert.equal(json.events.length, MAX_EVENTS);
  assert.equal(json.launches, restarts + 1);
  assert.deepEqual(new Set(json.events.map((e: { kind: string }) => e.kind)), new Set(['stopping', 'stop', 'start', 'launch']));
  const last = json.events.at(-1);
  assert.equal(last.kind, 'launch');
  assert.ok(!Number.isNaN(Date.parse(last.at)));

  const text = await box.run(['--pid', 'app.pid', '--status', '--history']);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /\n {2}history\n/);
  assert.equal([...text.stdout.matchAll(/^ {4}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}(stopping|stop|start|launch) /gm)].length, MAX_EVENTS);
});
