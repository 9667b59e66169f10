// Crowded deaths keep the program up (docs/crash-loops.md): a death after the start window is
// relaunched at the check that finds it, always; once deaths crowd, cron mail gets one line,
// then silence, while --status and the history keep every death.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sandbox, fixture, isAlive, lines, readOr, waitUntil, type RunResult } from '../helpers.ts';

const CROWD_LINE = /: relaunched each time; said again hourly or when it changes/;

/** The live PID now on file, tracked for cleanup. */
async function livePid(box: Sandbox): Promise<number> {
  return waitUntil(() => {
    const pid = Number.parseInt(readOr(box.path('app.pid')), 10);
    return Number.isInteger(pid) && isAlive(pid) ? box.track(pid) : null;
  }, 'a live pid on file');
}

/** The PID on file once it is another than `before` (alive or not: a crashing program may be gone already), tracked. */
async function nextPid(box: Sandbox, before: number | null): Promise<number> {
  return waitUntil(() => {
    const pid = Number.parseInt(readOr(box.path('app.pid')), 10);
    return Number.isInteger(pid) && pid !== before ? box.track(pid) : null;
  }, 'a new pid on file');
}

/** Runs the check until it does something (a loud line, or a new PID on file); calls before must be silent and exit 0. */
async function checkUntilRelaunched(box: Sandbox, args: string[], dead: number): Promise<RunResult> {
  let acted: RunResult | undefined;
  await waitUntil(
    async () => {
      const result = await box.run(args);
      const onFile = Number.parseInt(readOr(box.path('app.pid')), 10);
      if (result.stderr !== '' || (onFile !== dead && Number.isInteger(onFile))) acted = result;
      else assert.deepEqual([result.code, result.stdout], [0, ''], 'a silent check while the program runs');
      return acted;
    },
    `the check that relaunches after pid ${dead}`,
    30_000,
  );
  return acted!;
}

test('killed by hand four times within a minute: relaunched at every check; two deaths said, then one crowd line, then silence', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const check = ['--pid', 'app.pid', '--start-secs', '0.2', '--', fixture('forever.js')];
  const first = await box.run(check);
  assert.equal(first.code, 0, first.stderr);
  let pid = await livePid(box);
  const said: string[][] = [];
  for (let kill = 1; kill <= 4; kill++) {
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => !isAlive(pid), `kill ${kill} to take`);
    const next = await box.run(check);
    assert.equal(next.code, 0, `kill ${kill}: ${next.stderr}`);
    said.push(lines(next.stderr));
    const fresh = await livePid(box);
    assert.notEqual(fresh, pid, `kill ${kill}: a new run`);
    pid = fresh;
  }
  assert.match(said[0]!.join('\n'), /^app: died \(pid \d+; .*\napp: started \(pid \d+\)$/);
  assert.match(said[1]!.join('\n'), /^app: died \(pid \d+; .*\napp: started \(pid \d+\)$/);
  assert.equal(said[2]!.length, 1, said[2]!.join('\n'));
  assert.match(said[2]![0]!, /^app: died \(pid \d+; .*\); 3 deaths within 10m 0s: relaunched each time; said again hourly or when it changes/);
  assert.deepEqual(said[3], [], 'the fourth death is kept quiet');

  const status = await box.run(['--pid', 'app.pid', '--status', '--json', '--history']);
  assert.equal(status.code, 0, status.stdout);
  const json = JSON.parse(status.stdout);
  assert.deepEqual([json.state, json.pid, json.recentDeaths, json.launches], ['running', pid, 4, 5]);
  assert.deepEqual([json.crowd.deaths, json.crowd.trouble], [4, 'died']);
  assert.equal(json.events.filter((e: { kind: string }) => e.kind === 'death').length, 4, 'the history keeps every death');
  const text = await box.run(['--pid', 'app.pid', '--status']);
  assert.match(text.stdout, /\n {2}crowded {4}4 deaths and restarts since .*, relaunched each time; last said /);
});

test('a program that crashes 3 s after each start is kept up: every death found is relaunched, the crowd said once', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const check = ['--pid', 'app.pid', '--start-secs', '0.5', '--', fixture('crash-after.js'), '3000', '7'];
  const first = await box.run(check);
  assert.equal(first.code, 0, first.stderr);
  let pid = await nextPid(box, null);
  const loud: string[] = [];
  for (let death = 1; death <= 4; death++) {
    await waitUntil(() => !isAlive(pid), `run ${death} to crash`);
    const next = await checkUntilRelaunched(box, check, pid);
    assert.equal(next.code, 0, `death ${death}: ${next.stderr}`);
    loud.push(...lines(next.stderr));
    pid = await nextPid(box, pid);
  }
  // Two deaths with their "started" lines, then the one crowd line (which quotes the log), then nothing.
  assert.equal(loud.length, 5, loud.join('\n'));
  assert.match(loud[4]!, CROWD_LINE);
  assert.match(loud[4]!, /last log lines: .*"crash-after: crashing now"$/);
});

test('a never-beating program is restarted at every check: two restarts said, the crowded third said once, the fourth silent', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'app.pid', '--interval', '2s', '--start-secs', '0.2', '--heartbeat', 'hb', '--heartbeat-timeout', '1s', '--', fixture('forever.js')];
  assert.equal((await box.run(args)).code, 0);
  let pid = await livePid(box);
  const said: string[] = [];
  for (let restart = 1; restart <= 4; restart++) {
    const next = await checkUntilRelaunched(box, args, pid);
    assert.equal(next.code, 0, `restart ${restart}: ${next.stderr}`);
    said.push(next.stderr);
    await waitUntil(() => !isAlive(pid), `the hung pid ${pid} to be gone`);
    pid = await livePid(box);
  }
  assert.match(said[0]!, /^app: restarting \(no heartbeat .*\); stopped pid \d+ with SIGTERM, started pid \d+\n$/);
  assert.match(said[1]!, /^app: restarting \(no heartbeat .*\); stopped pid \d+ with SIGTERM, started pid \d+\n$/);
  assert.match(
    said[2]!,
    new RegExp(
      '^app: restarting \\(no heartbeat .*\\); stopped pid \\d+ with SIGTERM, started pid \\d+; 3 ' +
        'restarts and deaths within 10m 0s: relaunched each time; said again hourly or when it changes\\n$',
    ),
  );
  assert.equal(said[3], '', 'the fourth restart is kept quiet');
  const json = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json', '--history'])).stdout);
  assert.equal(json.events.filter((e: { kind: string }) => e.kind === 'hung').length, 4);
  assert.deepEqual([json.crowd.trouble, json.crowd.deaths], ['hung', 4]);
});
