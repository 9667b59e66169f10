// A configuration error that stops launches is said once, again when it changes, and daily.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LAUNCH_ERROR_REPEAT_MS, recordLaunchError, recordSpawn } from '../../src/core/policy.ts';
import { emptyState } from '../../src/core/state.ts';

const t0 = 1_800_000_000_000;

test('launch error: the first one is said', () => {
  const { state, say } = recordLaunchError(emptyState(), 'command x not found', t0);
  assert.equal(say, true);
  assert.deepEqual(state.launchError, { text: 'command x not found', sinceMs: t0, announcedMs: t0 });
});

test('launch error: the same one a minute later is quiet and keeps its start', () => {
  const first = recordLaunchError(emptyState(), 'command x not found', t0).state;
  const { state, say } = recordLaunchError(first, 'command x not found', t0 + 60_000);
  assert.equal(say, false);
  assert.deepEqual(state.launchError, { text: 'command x not found', sinceMs: t0, announcedMs: t0 });
});

test('launch error: a different one is said at once', () => {
  const first = recordLaunchError(emptyState(), 'command x not found', t0).state;
  assert.equal(recordLaunchError(first, 'directory /y not found', t0 + 60_000).say, true);
});

test('launch error: the same one is said again after a day, and after the clock went back', () => {
  const first = recordLaunchError(emptyState(), 'command x not found', t0).state;
  assert.equal(recordLaunchError(first, 'command x not found', t0 + LAUNCH_ERROR_REPEAT_MS).say, true);
  assert.equal(recordLaunchError(first, 'command x not found', t0 - 3_600_000).say, true);
});

test('launch error: a launch clears it', () => {
  const failing = recordLaunchError(emptyState(), 'command x not found', t0).state;
  const identity = { pid: 1234, startTime: '1', bootId: 'b', launchedAtMs: t0, token: 'ab12cd34' };
  const launched = recordSpawn(failing, identity, { command: ['x'], cwd: '/' }, { stdout: '/l', stderr: '/l' });
  assert.equal(launched.launchError, null);
});
