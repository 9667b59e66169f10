// Strict PID file parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePidText, isSignallablePid } from '../../src/core/pid-text.ts';

const cases: [string, string, number | null][] = [
  ['plain PID with newline', '1234\n', 1234],
  ['plain PID without newline', '1234', 1234],
  ['PID 1 is init, never ours', '1\n', null],
  ['zero', '0\n', null],
  ['negative', '-5\n', null],
  ['leading zero', '0123\n', null],
  ['spaces around', ' 123 \n', null],
  ['two lines', '123\n456\n', null],
  ['empty file', '', null],
  ['hex', '0x10\n', null],
  ['exponent', '1e3\n', null],
  ['above pid_max', '40000\n', null],
  ['own PID', '777\n', null],
  ['CRLF', '123\r\n', null],
];

for (const [name, text, expected] of cases) {
  test(`PID text: ${name}`, () => {
    const parsed = parsePidText(text, 32768, 777);
    if (expected === null) assert.equal(parsed.kind, 'invalid');
    else assert.deepEqual(parsed, { kind: 'ok', pid: expected });
  });
}

test('isSignallablePid refuses 0, 1, negatives, fractions and NaN', () => {
  for (const bad of [0, 1, -1, -0, 1.5, Number.NaN, 2 ** 31, '12']) assert.equal(isSignallablePid(bad), false, String(bad));
  assert.equal(isSignallablePid(2), true);
});
