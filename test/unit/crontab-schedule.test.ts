// --crontab derives the cron schedule from --interval when cron can express it exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scheduleForInterval } from '../../src/commands/crontab.ts';

const rows: [string, number, string | null][] = [
  ['one minute is every minute', 60_000, '* * * * *'],
  ['five minutes divide the hour', 300_000, '*/5 * * * *'],
  ['thirty minutes divide the hour', 1_800_000, '*/30 * * * *'],
  ['one hour is at minute 0', 3_600_000, '0 * * * *'],
  ['two hours divide the day', 7_200_000, '0 */2 * * *'],
  ['seven minutes do not divide the hour', 420_000, null],
  ['thirty seconds are below cron resolution', 30_000, null],
  ['five hours do not divide the day', 18_000_000, null],
];

for (const [name, ms, expected] of rows) {
  test(`crontab schedule: ${name}`, () => {
    if (expected === null) assert.throws(() => scheduleForInterval(ms), /give --schedule CRON instead/);
    else assert.equal(scheduleForInterval(ms), expected);
  });
}
