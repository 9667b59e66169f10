// Times in report lines: the clock alone within a day, the date too beyond it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clock } from '../../src/core/local-time.ts';

const now = new Date(2026, 10, 21, 23, 50, 0).getTime();

test('a time within the day is HH:MM:SS', () => {
  assert.equal(clock(now + 10 * 60_000, now), '00:00:00');
  assert.equal(clock(now - 3 * 3_600_000, now), '20:50:00');
});

test('a time a day or more away carries its date, so a retry in two days is not read as today', () => {
  assert.equal(clock(now + 2 * 86_400_000, now), '2026-11-23 23:50:00');
  assert.equal(clock(now - 86_400_000, now), '2026-11-20 23:50:00');
});
