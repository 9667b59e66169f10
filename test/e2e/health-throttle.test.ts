// A program that never beats its heartbeat is restarted at each check past its grace: those
// restarts count with deaths, so with --crowd-backoff, once they crowd, the program backs off
// (one line) instead of being restarted and mailed about at every check, and is launched again
// after the backoff. (By default it is restarted each time, the mail quieted: crowd-kept-up.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Sandbox, fixture, isAlive, readOr, waitUntil, type RunResult } from '../helpers.ts';

/** Runs the check until it prints something; the silent calls before must exit `silentCode`. Returns the loud call. */
async function nextLoudCheck(box: Sandbox, args: string[], silentCode: number, what: string): Promise<RunResult> {
  let loud: RunResult | undefined;
  await waitUntil(async () => {
    const result = await box.run(args);
    if (result.stderr === '') assert.deepEqual([result.code, result.stdout], [silentCode, ''], `a silent check while waiting for ${what}`);
    else loud = result;
    return loud;
  }, what);
  return loud!;
}

test(
  '--crowd-backoff: a never-beating program: two restarts one line each, the ' + 'crowded third backs off with one line, silent exit 1 inside, launched after',
  async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const args = [
      '--pid',
      'app.pid',
      '--interval',
      '2s',
      '--crowd-backoff',
      '--start-secs',
      '0.2',
      '--heartbeat',
      'hb',
      '--heartbeat-timeout',
      '1s',
      '--',
      fixture('forever.js'),
    ];
    const first = await box.run(args);
    assert.equal(first.code, 0, first.stderr);
    let pid = box.pidOf();
    assert.equal(first.stderr, `app: started (pid ${pid})\n`);

    for (const n of [1, 2]) {
      const restart = await nextLoudCheck(box, args, 0, `hung restart ${n}`);
      assert.equal(restart.code, 0, restart.stderr);
      const match = new RegExp(
        `^app: restarting \\(no heartbeat [^(]+ after launch \\(grace 1s, file [^)]+\\)\\); stopped pid ${pid} with SIGTERM, started pid (\\d+)\\n$`,
      ).exec(restart.stderr);
      assert.ok(match, restart.stderr);
      const fresh = box.track(Number(match[1]));
      assert.equal(box.pidOf(), fresh);
      await waitUntil(() => !isAlive(pid), `the hung pid ${pid} to be gone`);
      pid = fresh;
    }

    // The third restart within 10 minutes crowds: stopped, not relaunched, one line.
    const crowded = await nextLoudCheck(box, args, 0, 'the crowded restart');
    assert.equal(crowded.code, 1, crowded.stderr);
    assert.match(
      crowded.stderr,
      new RegExp(
        `^app: hung \\(no heartbeat [^(]+ after launch \\(grace 1s, file [^)]+\\)\\); stopped pid ${pid} with SIGTERM; ` +
          `restarted too often \\(3 restarts and deaths within 10m 0s\\): backing off, next launch after \\d\\d:\\d\\d:\\d\\d\\n$`,
      ),
    );
    await waitUntil(() => !isAlive(pid), `the hung pid ${pid} to be gone`);
    assert.equal(readOr(box.path('app.pid')), '', 'no PID on file while backing off');
    const state = JSON.parse(readFileSync(box.path('app.state.json'), 'utf8'));
    assert.equal(state.identity, null);
    const untilMs: number = state.backoff.untilMs;

    // Inside the backoff: nothing launched, nothing printed, exit 1. Only calls that ended before
    // the due time (less cron's slack of a quarter period) surely decided inside it.
    let inside = 0;
    let resumed: RunResult | undefined;
    for (;;) {
      const check = await box.run(args);
      if (Date.now() >= untilMs - 500) {
        if (check.stderr !== '') resumed = check;
        break;
      }
      assert.deepEqual([check.code, check.stdout, check.stderr], [1, '', ''], 'a check inside the backoff');
      inside++;
    }
    assert.ok(inside >= 1, 'at least one check ran inside the backoff');
    const status = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json', '--history'])).stdout);
    assert.equal(status.events.filter((e: { kind: string }) => e.kind === 'hung').length, 3);
    assert.equal(status.recentDeaths, 3, 'hung restarts count in the tally');

    // After the backoff the ordinary check launches it again, with one line.
    resumed ??= await nextLoudCheck(box, args, 1, 'the launch after the backoff');
    const match = /^app: started \(pid (\d+)\) after backing off \(3 restarts and deaths within 10m 0s\)\n$/.exec(resumed.stderr);
    assert.ok(match, resumed.stderr);
    assert.equal(resumed.code, 0);
    const fresh = box.track(Number(match[1]));
    assert.equal(box.pidOf(), fresh);
    assert.ok(isAlive(fresh));
  },
);
