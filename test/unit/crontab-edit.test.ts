// --install's edits of a crontab's text and the "did you mean" of mistyped names: pure tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installMarker, withInstalled, withoutInstalled, withUserField } from '../../src/core/crontab-edit.ts';
import { nearestName } from '../../src/core/near-name.ts';

const M = installMarker('--pid /h/app.pid');
const L = '* * * * * PATH=/bin er --pid /h/app.pid -- ./a';
const mentions = (line: string) => line.includes(' --pid /h/app.pid ');

test('install: appended to an empty or a busy crontab, the other lines untouched', () => {
  assert.deepEqual(withInstalled('', M, L, mentions), { text: `${M}\n${L}\n`, outcome: 'added', similar: [] });
  const busy = 'A=1\n# mine\n0 1 * * * x';
  assert.equal(withInstalled(busy, M, L, mentions).text, `A=1\n# mine\n0 1 * * * x\n${M}\n${L}\n`, 'a missing last newline is added');
});

test('install: the same line again changes nothing; another replaces the one under the marker in place', () => {
  const text = `a\n${M}\n${L}\nb\n`;
  assert.equal(withInstalled(text, M, L, mentions).outcome, 'unchanged');
  const other = L.replace('./a', './b');
  assert.deepEqual(withInstalled(text, M, other, mentions), { text: `a\n${M}\n${other}\nb\n`, outcome: 'updated', similar: [] });
  // A marker left alone (its line deleted by hand): the line goes back under it, the comment below stays.
  assert.equal(withInstalled(`${M}\n# note\n`, M, L, mentions).text, `${M}\n${L}\n# note\n`);
});

test('install: an identical unmarked line is adopted; a different one naming the program is reported, never changed', () => {
  assert.deepEqual(withInstalled(`x\n${L}\n`, M, L, mentions), { text: `x\n${M}\n${L}\n`, outcome: 'adopted', similar: [] });
  const older = '*/2 * * * * er --pid /h/app.pid -- ./old';
  assert.deepEqual(withInstalled(`${older}\n`, M, L, mentions), { text: `${older}\n${M}\n${L}\n`, outcome: 'added', similar: [1] });
});

test('uninstall: exactly the marker and its line go; absent is said', () => {
  assert.deepEqual(withoutInstalled(`a\n${M}\n${L}\nb\n`, M, mentions), { text: 'a\nb\n', outcome: 'removed', similar: [] });
  assert.deepEqual(withoutInstalled('a\n', M, mentions), { text: 'a\n', outcome: 'absent', similar: [] });
  assert.equal(withoutInstalled(`${M}\n# kept\n`, M, mentions).text, '# kept\n');
  // Given the line --crontab prints: the same line pasted by hand, without a marker, goes too; a different one stays.
  assert.deepEqual(withoutInstalled(`a\n${L}\nb\n`, M, mentions, L), { text: 'a\nb\n', outcome: 'removed', similar: [] });
  const older = '*/2 * * * * er --pid /h/app.pid -- ./old';
  assert.deepEqual(withoutInstalled(`${older}\n`, M, mentions, L), { text: `${older}\n`, outcome: 'absent', similar: [1] });
});

test('cron.d lines carry the user after the five time fields', () => {
  assert.equal(withUserField(L, 'root'), '* * * * * root PATH=/bin er --pid /h/app.pid -- ./a');
});

test('did you mean: a swap, a missing letter, _ for -, and nothing for another word', () => {
  const known = ['status', 'stop', 'start', 'max-retries', 'restart', 'schedule'];
  assert.equal(nearestName('stauts', known), 'status');
  assert.equal(nearestName('max_retries', known), 'max-retries');
  assert.equal(nearestName('shedule', known), 'schedule');
  assert.equal(nearestName('colour', known), null);
  assert.equal(nearestName('status', known), null, 'a known name is no typo');
});
