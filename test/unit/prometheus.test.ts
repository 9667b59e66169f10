// The Prometheus formatter (src/core/prometheus.ts): label escaping and which series a row gets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeLabel, prometheusText, STATES } from '../../src/core/prometheus.ts';
import type { StatusJson } from '../../src/core/status-view.ts';

function row(over: Partial<StatusJson>): StatusJson {
  return {
    name: 'app',
    state: 'running',
    pid: 4242,
    verified: true,
    startedAt: '2026-01-01T00:00:00.000Z',
    uptimeSeconds: 60,
    launches: 3,
    failedStarts: 0,
    recentDeaths: 1,
    backoffUntil: null,
    fatalReason: null,
    fatalRetryAt: null,
    launchError: null,
    held: false,
    requestDiffers: null,
    lastExit: null,
    lastCheck: '2026-01-01T00:01:00.500Z',
    crowd: null,
    user: null,
    memory: null,
    command: ['x'],
    cwd: null,
    pidFile: '/srv/app.pid',
    stateFile: '/srv/app.state.json',
    log: null,
    note: null,
    error: null,
    ...over,
  };
}

test('label values: backslash, double quote and line feed are escaped, in that order', () => {
  const table: [string, string][] = [
    ['plain', 'plain'],
    ['a"b', 'a\\"b'],
    ['a\\b', 'a\\\\b'],
    ['a\nb', 'a\\nb'],
    ['\\"', '\\\\\\"'],
    ['tab\there', 'tab\there'],
  ];
  for (const [raw, escaped] of table) assert.equal(escapeLabel(raw), escaped, JSON.stringify(raw));
});

test('running row: up 1, one state series per state with only running at 1, launches as a _total counter', () => {
  const text = prometheusText([{ status: row({}), memoryBytes: 1024 }]);
  const labels = 'name="app",pid_file="/srv/app.pid"';
  assert.match(text, new RegExp(`^ensure_running_up\\{${labels}\\} 1$`, 'm'));
  for (const state of STATES) assert.match(text, new RegExp(`^ensure_running_state\\{${labels},state="${state}"\\} ${state === 'running' ? 1 : 0}$`, 'm'));
  assert.match(text, /^# TYPE ensure_running_launches_total counter$/m);
  assert.match(text, new RegExp(`^ensure_running_launches_total\\{${labels}\\} 3$`, 'm'));
  assert.match(text, new RegExp(`^ensure_running_last_check_timestamp_seconds\\{${labels}\\} 1767225660.5$`, 'm'));
  assert.match(text, new RegExp(`^ensure_running_memory_resident_bytes\\{${labels}\\} 1024$`, 'm'));
  assert.ok(text.endsWith('\n'));
});

test('unknown facts give no series: no uptime when not running, no memory when unread, no overdue without a cadence', () => {
  const text = prometheusText([{ status: row({ state: 'crashed', verified: false, uptimeSeconds: null, startedAt: null }), memoryBytes: null }]);
  assert.match(text, /^ensure_running_up\{[^}]*\} 0$/m);
  assert.doesNotMatch(text, /ensure_running_uptime_seconds/);
  assert.doesNotMatch(text, /ensure_running_memory_resident_bytes/);
  assert.doesNotMatch(text, /ensure_running_checks_overdue/);
  // A family with no sample at all has no HELP or TYPE line either.
  assert.doesNotMatch(text, /# HELP ensure_running_uptime_seconds/);
});

test('no programs: an empty text (a valid, empty textfile)', () => {
  assert.equal(prometheusText([]), '');
});

test('lease: holder 0/1, token and expiry per program, so that an alert on zero or two holders is one query', () => {
  const lease = (role: 'holder' | 'standby') => ({
    url: 'redis://db/',
    name: 'L',
    role,
    holder: 'a',
    hostname: 'ha',
    token: '7',
    expiresAt: '2026-01-01T00:02:30.000Z',
    leftSeconds: 150,
    checkedAt: '2026-01-01T00:00:00.000Z',
    programToken: null,
    heldBy: null,
  });
  const text = prometheusText([{ status: row({ lease: lease('holder') }) }, { status: row({ name: 'other', lease: lease('standby') }) }]);
  assert.match(text, /^ensure_running_lease_holder\{name="app",pid_file="\/srv\/app.pid"\} 1$/m);
  assert.match(text, /^ensure_running_lease_holder\{name="other",pid_file="\/srv\/app.pid"\} 0$/m);
  assert.match(text, /^ensure_running_lease_token\{name="app",pid_file="\/srv\/app.pid"\} 7$/m);
  assert.match(text, /^ensure_running_lease_expiry_timestamp_seconds\{name="app",pid_file="\/srv\/app.pid"\} 1767225750$/m);
  assert.doesNotMatch(prometheusText([{ status: row({}) }]), /lease/);
});
