// "Said once, then once a day": the rule behind launch errors, failed rotations and foreign PID files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REPEAT_COMPLAINT_MS, parseSaid, sayOnce } from '../../src/core/said-once.ts';

const T = 1_700_000_000_000;

const rows: [string, Parameters<typeof sayOnce>[0], string, number, boolean][] = [
  ['nothing on record + complaint → said', null, 'disk full', T, true],
  ['same complaint a minute later → quiet', { text: 'disk full', announcedMs: T }, 'disk full', T + 60_000, false],
  ['same complaint a day later → said again', { text: 'disk full', announcedMs: T }, 'disk full', T + REPEAT_COMPLAINT_MS, true],
  ['another complaint → said at once', { text: 'disk full', announcedMs: T }, 'quota exceeded', T + 60_000, true],
  ['clock went back → said (never silent for a day and more)', { text: 'disk full', announcedMs: T }, 'disk full', T - 60_000, true],
];

for (const [name, before, text, now, say] of rows) {
  test(`sayOnce: ${name}`, () => {
    const result = sayOnce(before, text, now);
    assert.equal(result.say, say);
    assert.equal(result.said.text, text);
    assert.equal(result.said.announcedMs, say ? now : before!.announcedMs);
  });
}

test('parseSaid: a hand-edited record falls back to "never said"', () => {
  assert.deepEqual(parseSaid({ text: 'x', announcedMs: 5 }), { text: 'x', announcedMs: 5 });
  for (const raw of [null, 'x', { text: 1, announcedMs: 5 }, { text: 'x' }, { text: 'x', announcedMs: Number.NaN }]) assert.equal(parseSaid(raw), null);
});
