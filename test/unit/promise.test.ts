// The quiet promise's pure parts: its text, its deadline (one row per duty of the full check)
// and the tests a verifier applies; plus shellcheck on the front door that reads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  answersCall,
  heartbeatFresh,
  parsePromise,
  promiseText,
  sameLiveProcess,
  uptimeCs,
  PROMISE_HORIZON_MS,
  type QuietPromise,
} from '../../src/core/promise.ts';
import { promiseUntilMs, type PromiseDuties } from '../../src/core/promise-deadline.ts';
import { emptyState, type ProgramState } from '../../src/core/state.ts';
import { emptyDuties } from '../../src/core/duties-record.ts';
import { ROOT } from '../helpers.ts';
import { needs, tool } from '../tools.ts';

const MIN = 60_000;
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const P: QuietPromise = {
  cwd: '/srv',
  tz: null,
  argv: ['--pid', 'app.pid', '--', './server.js', 'a b', ' lead', 'trail ', 'back\\slash', ''],
  pid: 4242,
  startTime: '123456',
  bootId: '108fc6d5-f8aa-4336-b625-30066d0b4232',
  untilCs: 900_000,
  pidFile: '/srv/app.pid',
  stateFile: '/srv/app.state.json',
  lockDir: '/srv/app.pid.lock',
  markFile: '/srv/app.checked',
  users: null,
  heartbeat: null,
};
const STAT = (state: string, start: string, comm = 'node') => `4242 (${comm}) ${state} 1 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 ${start} 1000 10 0\n`;

test('the promise text reads back field for field, spaces and backslashes kept', () => {
  const text = promiseText(P)!;
  assert.deepEqual(parsePromise(text), P);
  const withBeat = { ...P, tz: 'Europe/Paris', heartbeat: { file: '/srv/hb', fromCs: 1000, withinCs: 6000 } };
  assert.deepEqual(parsePromise(promiseText(withBeat)!), withBeat);
  const withUser = { ...P, users: '/etc/passwd' };
  assert.deepEqual(parsePromise(promiseText(withUser)!), withUser);
});

test('no promise for a field that cannot be one line, or a relative path', () => {
  assert.equal(promiseText({ ...P, argv: ['--pid', 'app.pid', '--', 'a\nb'] }), null);
  assert.equal(promiseText({ ...P, cwd: 'relative' }), null);
  assert.equal(promiseText({ ...P, tz: 'a\nb' }), null);
});

test('a truncated, extended or foreign promise text is null', () => {
  const text = promiseText(P)!;
  for (let cut = 0; cut < text.length - 1; cut += 7) assert.equal(parsePromise(text.slice(0, cut)), null, `cut at ${cut}`);
  assert.equal(parsePromise(`${text}end\n`), null);
  assert.equal(parsePromise(text.replace('promise 2', 'promise 1')), null, 'a promise of version 1 (no users line)');
  assert.equal(parsePromise(text.replace('promise 2', 'promise 3')), null);
  assert.equal(parsePromise(text.replace('argc 9', 'argc 8')), null);
  assert.equal(parsePromise(text.replace('pid 4242', 'pid 04242')), null);
});

test('the promise answers only the same arguments, directory and TZ', () => {
  const call = { argv: [...P.argv], cwd: '/srv', tz: null };
  assert.ok(answersCall(P, call));
  assert.ok(!answersCall(P, { ...call, argv: [...P.argv, 'x'] }));
  assert.ok(!answersCall(P, { ...call, argv: P.argv.slice(0, -1) }));
  assert.ok(!answersCall(P, { ...call, cwd: '/srv/' }));
  assert.ok(!answersCall(P, { ...call, tz: '' }));
});

test('/proc/PID/stat: fields after the LAST ") ", zombies and other start times refused', () => {
  assert.ok(sameLiveProcess(P, STAT('S', '123456'), P.bootId));
  assert.ok(sameLiveProcess(P, STAT('T', '123456'), P.bootId), 'a stopped process is alive');
  assert.ok(!sameLiveProcess(P, STAT('Z', '123456'), P.bootId), 'zombie');
  assert.ok(!sameLiveProcess(P, STAT('X', '123456'), P.bootId), 'dead');
  assert.ok(!sameLiveProcess(P, STAT('S', '123457'), P.bootId), 'PID reused');
  assert.ok(!sameLiveProcess(P, STAT('S', '123456'), 'another-boot'), 'rebooted');
  // A command name made to look like the fields of the right process.
  const fake = `4242 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 123456 ) S 1 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 999 1000 10 0\n`;
  assert.ok(!sameLiveProcess(P, fake, P.bootId));
  assert.ok(!sameLiveProcess(P, STAT('S', '123456', 'a\nb'), P.bootId), 'two lines');
});

test('uptime in centiseconds, odd text refused', () => {
  assert.equal(uptimeCs('12345.67 45678.90\n'), 1234567);
  assert.equal(uptimeCs('0.50 1.00\n'), null);
  assert.equal(uptimeCs('12345.6 1\n'), null);
  assert.equal(uptimeCs(''), null);
});

test('heartbeat: within the grace not judged; after it, newer than a young mark', () => {
  const p = { ...P, heartbeat: { file: '/srv/hb', fromCs: 1000, withinCs: 6000 } };
  assert.ok(heartbeatFresh(p, 999, null, false), 'inside the grace');
  assert.ok(heartbeatFresh(p, 5000, 4000, true));
  assert.ok(!heartbeatFresh(p, 5000, 4000, false), 'not written since the mark');
  assert.ok(!heartbeatFresh(p, 10_000, 4000, true), 'mark as old as the timeout');
  assert.ok(!heartbeatFresh(p, 9_998, 4000, true), 'rounding margin');
  assert.ok(heartbeatFresh(p, 9_997, 4000, true));
  assert.ok(!heartbeatFresh(p, 5000, 6000, true), 'a mark from the future');
  assert.ok(!heartbeatFresh(p, 5000, null, true), 'no readable mark');
});

const running = (over: Partial<ProgramState> = {}): ProgramState => ({
  ...emptyState(['./server.js'], '/srv'),
  identity: { pid: 4242, startTime: '123456', bootId: 'b', launchedAtMs: T0, token: 'ab'.repeat(12) },
  settled: true,
  ...over,
});
const DUTIES: PromiseDuties = { startWindowMs: 1000, minUptimeMs: 5 * MIN };
const NOW = T0 + 30 * MIN;

test('deadline table: the horizon, or the next duty of the full check, whichever comes first', () => {
  const rows: [string, ProgramState, PromiseDuties, number, number | null][] = [
    ['RUNNING settled -> the horizon', running(), DUTIES, NOW, NOW + PROMISE_HORIZON_MS],
    ['RUNNING settling -> the end of --min-uptime', running({ settled: false }), DUTIES, T0 + MIN, T0 + 5 * MIN],
    ['RUNNING settling due -> no promise (the full check settles it)', running({ settled: false }), DUTIES, T0 + 5 * MIN, null],
    ['RUNNING in its start window -> its end', running({ settled: false }), { ...DUTIES, startWindowMs: 5000 }, T0 + 500, T0 + 5000],
    ['HELD -> no promise', running({ held: true }), DUTIES, NOW, null],
    ['BACKOFF -> no promise', running({ backoff: { fromMs: T0, untilMs: NOW, reason: 'x' } }), DUTIES, NOW, null],
    ['FATAL -> no promise', running({ fatal: { sinceMs: T0, reason: 'x', lastTryMs: T0, retryEveryMs: null } }), DUTIES, NOW, null],
    ['launch pending -> no promise', running({ pending: { token: 'ab'.repeat(12), atMs: T0 } }), DUTIES, NOW, null],
    ['no identity -> no promise', running({ identity: null }), DUTIES, NOW, null],
    [
      'identity without a start time -> no promise',
      running({ identity: { pid: 4242, startTime: null, bootId: 'b', launchedAtMs: T0, token: '' } }),
      DUTIES,
      NOW,
      null,
    ],
    [
      '--health-url -> no promise',
      running(),
      { ...DUTIES, health: { heartbeat: null, http: { url: 'http://x/', timeoutMs: 1000, failures: 3 }, restartAt: null } },
      NOW,
      null,
    ],
    ['--log-max-size -> no promise', running(), { ...DUTIES, logRotate: { maxBytes: 1, keep: 1 } }, NOW, null],
  ];
  const restartAt = { text: '0 4 * * *', tz: null };
  const health = { heartbeat: null, http: null, restartAt };
  const kept = (nextMs: number) =>
    running({ health: { ...emptyDuties(), restartAt: { text: '0 4 * * *', tz: null, nextMs, lastScheduledMs: null, lastRestartMs: null } } });
  rows.push(
    ['--restart-at due in 3 min -> then', kept(NOW + 3 * MIN), { ...DUTIES, health }, NOW, NOW + 3 * MIN],
    ['--restart-at due in 1 h -> the horizon', kept(NOW + 60 * MIN), { ...DUTIES, health }, NOW, NOW + PROMISE_HORIZON_MS],
    ['--restart-at due now -> no promise', kept(NOW), { ...DUTIES, health }, NOW, null],
    ['--restart-at not on record -> no promise', running(), { ...DUTIES, health }, NOW, null],
    [
      '--restart-at of another schedule on record -> no promise',
      kept(NOW + 3 * MIN),
      { ...DUTIES, health: { ...health, restartAt: { text: '0 5 * * *', tz: null } } },
      NOW,
      null,
    ],
    ['--restart-at dropped but on record -> no promise', kept(NOW + 3 * MIN), DUTIES, NOW, null],
    ['a promise under the minimum -> none', kept(NOW + 1000), { ...DUTIES, health }, NOW, null],
  );
  for (const [name, state, duties, now, expected] of rows) assert.equal(promiseUntilMs(state, duties, now), expected, name);
});

test('shellcheck finds nothing in the front door', { skip: needs('shellcheck') }, () => {
  const result = spawnSync(tool('shellcheck'), ['--shell=sh', join(ROOT, 'bin', 'ensure-running')], { encoding: 'utf8' });
  assert.equal(result.error, undefined, String(result.error));
  assert.equal(result.status, 0, result.stdout + result.stderr);
});
