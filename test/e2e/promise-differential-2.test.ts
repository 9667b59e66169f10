// The shell front door never says "quiet" wrongly (the cases and the harness: test/differential.ts):
// the second half of the situations, under dash and BusyBox sh, with the JS verifier alongside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CASES, SHELL_LABELS, checkCases } from '../differential.ts';
import { needs } from '../tools.ts';

// Every other case, counted apart among the situations made for a promise and the others.
const kin = (quiet: boolean) => CASES.filter((c) => (c.expect === 'quiet') === quiet);
const half = CASES.filter((c) => kin(c.expect === 'quiet').indexOf(c) % 2 === 1);

test('under dash and BusyBox sh, the front door exits 0 without node only where the full check does nothing (second half)', {
  skip: needs('dash', 'busybox'),
}, async () => {
  const results = await checkCases(half);
  for (const label of SHELL_LABELS) {
    assert.ok(results.filter((r) => r.quietIn.includes(label)).length >= 1, `under ${label} the promise held in the situations made for it`);
  }
});
