// The launch request: what differs between a call and the running program, the argv that asks
// for a record again, defensive reading, and the check's rules about a changed request.
import { test } from 'node:test';
import { tablePolicy } from './policy-fixture.ts';
import { reportLines } from '../helpers.ts';
import assert from 'node:assert/strict';
import { decideCheck, recordSpawn, type Decision, type Policy } from '../../src/core/policy.ts';
import { parseRequest, requestDifferences, shapeOf, type LaunchRequest } from '../../src/core/request.ts';
import { requestArgv } from '../../src/cli/recorded.ts';
import { OPTIONS } from '../../src/cli/options.ts';
import { emptyState, parseState, type ProgramState } from '../../src/core/state.ts';
import type { Observation } from '../../src/core/observation.ts';

const MIN = 60_000;
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const REQ: LaunchRequest = {
  command: ['./server.js'],
  cwd: '/srv',
  env: { MODE: 'blue', PORT: '80' },
  stdout: '/srv/app.log',
  stderr: '/srv/app.log',
  options: { cwd: '.', env: ['MODE=blue', 'PORT=80'], signal: 'INT', heartbeat: 'hb' },
  base: '/srv',
};
const POLICY: Policy = tablePolicy({ startHint: 'ensure-running --pid /srv/app.pid --start', restartHint: 'ensure-running --pid /srv/app.pid --restart …' });
const OURS: Observation = { kind: 'ours', pid: 4242, repairPidFile: false };
const identity = { pid: 4242, startTime: '1', bootId: 'b', launchedAtMs: T0, token: 'abcdef0123456789' };
const launched = (request: LaunchRequest = REQ): ProgramState =>
  recordSpawn(emptyState(), identity, request, { stdout: request.stdout, stderr: request.stderr });
const reports = (d: Decision) => reportLines(d);

test('requestDifferences: one item per part; --env by key only (values may be secrets); unknown parts not compared', () => {
  const same = shapeOf(REQ);
  assert.deepEqual(requestDifferences(same, shapeOf({ ...REQ })), []);
  assert.deepEqual(requestDifferences(same, shapeOf({ ...REQ, env: { MODE: 'green', DEBUG: '1' } })), ['--env DEBUG added, MODE changed, PORT removed']);
  assert.deepEqual(requestDifferences(same, shapeOf({ ...REQ, cwd: '/opt' })), ['--cwd /opt (running: /srv)']);
  assert.deepEqual(requestDifferences(same, shapeOf({ ...REQ, command: ['./other.js'], stderr: '/srv/err.log' })), [
    'command',
    'logs /srv/app.log and /srv/err.log (running: /srv/app.log)',
  ]);
  // A record from before --env was recorded: only command, cwd and logs are compared.
  assert.deepEqual(requestDifferences({ command: ['./server.js'], cwd: '/srv', env: null, logs: null }, shapeOf(REQ)), []);
  // --user shapes the process: a change is a difference, said with who runs it now.
  assert.deepEqual(requestDifferences(same, shapeOf({ ...REQ, options: { ...REQ.options, user: 'www-data' } })), ['--user www-data (running: as the caller)']);
  assert.deepEqual(requestDifferences(shapeOf({ ...REQ, options: { user: 'www-data' } }), shapeOf({ ...REQ, options: { user: 'www-data:ssl-cert' } })), [
    '--user www-data:ssl-cert (running: www-data)',
  ]);
});

test('requestArgv: absolute paths, the env pairs, the other options as given, then the command', () => {
  assert.deepEqual(requestArgv(REQ), [
    '--cwd',
    '/srv',
    '--log',
    '/srv/app.log',
    '--env',
    'MODE=blue',
    '--env',
    'PORT=80',
    '--heartbeat',
    '/srv/hb',
    '--signal',
    'INT',
    '--',
    './server.js',
  ]);
});

test('requestArgv orders the options without ICU (its collator costs a check about 8 ms), as localeCompare does', () => {
  const names = Object.keys(OPTIONS);
  for (const name of names) assert.match(name, /^[a-z][a-z-]*$/, `${name}: an option name that code-unit order may not sort as localeCompare does`);
  assert.deepEqual(
    [...names].sort(),
    [...names].sort((a, b) => a.localeCompare(b)),
    'the same order for every option name',
  );
  const localeCompare = String.prototype.localeCompare;
  String.prototype.localeCompare = () => {
    throw new Error('localeCompare called');
  };
  try {
    const options = { 'start-secs': '5', 'max-retries': '3', 'kill-after': '5s', 'log-keep': '2', heartbeat: 'hb' };
    assert.deepEqual(
      requestArgv({ ...REQ, options }).filter((arg) => arg.startsWith('--') && arg !== '--'),
      ['--cwd', '--log', '--env', '--env', '--heartbeat', '--kill-after', '--log-keep', '--max-retries', '--start-secs'],
    );
  } finally {
    String.prototype.localeCompare = localeCompare;
  }
});

test('parseRequest: a written record reads back the same; a malformed one is no record', () => {
  assert.deepEqual(parseRequest(JSON.parse(JSON.stringify(REQ))), REQ);
  assert.equal(parseRequest({ ...REQ, command: [] }), null);
  assert.equal(parseRequest({ ...REQ, cwd: 3 }), null);
  assert.equal(parseRequest('x'), null);
  const state = launched();
  assert.deepEqual(parseState(JSON.stringify(state)), { kind: 'ok', state });
});

test('check: RUNNING + a call whose --env differs → one line with the exact --restart, then silence; same again → forgotten', () => {
  const changed = { ...REQ, env: { MODE: 'green', PORT: '80' } };
  const first = decideCheck(launched(), OURS, changed, POLICY, T0 + MIN);
  assert.deepEqual(reports(first), [
    "app: this call's launch request differs from the running program's (pid 4242): --env MODE " +
      'changed; it keeps running as launched until: ensure-running --pid /srv/app.pid --restart …',
  ]);
  assert.equal(first.outcome, 'running');
  assert.deepEqual(first.state.changed?.differences, ['--env MODE changed']);
  const second = decideCheck(first.state, OURS, changed, POLICY, T0 + 2 * MIN);
  assert.deepEqual(reports(second), [], 'said once');
  const other = decideCheck(second.state, OURS, { ...changed, cwd: '/opt' }, POLICY, T0 + 3 * MIN);
  assert.equal(reports(other).length, 1, 'another change is said again');
  const back = decideCheck(other.state, OURS, REQ, POLICY, T0 + 4 * MIN);
  assert.deepEqual(reports(back), []);
  assert.equal(back.state.changed, undefined, 'the crontab line agrees again: nothing left to show');
});

test('check: FATAL + a changed --cwd or --env → tallies cleared, launch (as for a changed command)', () => {
  const fatal: ProgramState = { ...launched(), identity: null, failedStarts: 5, fatal: { sinceMs: T0, reason: 'x', lastTryMs: T0, retryEveryMs: null } };
  const gone: Observation = { kind: 'gone', pid: null, why: 'no-record', logTail: [] };
  for (const changed of [
    { ...REQ, cwd: '/opt' },
    { ...REQ, env: {} },
  ]) {
    const d = decideCheck(fatal, gone, changed, POLICY, T0 + MIN);
    assert.equal(d.state.fatal, null);
    assert.equal(d.state.failedStarts, 0);
    assert.equal(d.effects.filter((e) => e.kind === 'launch').length, 1);
  }
  assert.equal(decideCheck(fatal, gone, REQ, POLICY, T0 + MIN).effects.filter((e) => e.kind === 'launch').length, 0, 'unchanged: still FATAL');
});

test('recordSpawn: the request goes on record and a remembered difference is forgotten', () => {
  const state = recordSpawn({ ...launched(), changed: { key: 'k', differences: ['command'], sinceMs: T0 } }, identity, REQ, {
    stdout: REQ.stdout,
    stderr: REQ.stderr,
  });
  assert.deepEqual(state.request, REQ);
  assert.equal(state.changed, undefined);
});
