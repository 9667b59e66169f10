// The front door never says "quiet" wrongly for a `--config FILE` call (test/differential.ts):
// one promise for the file's programs, under dash and BusyBox sh, with the JS verifier alongside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHELL_LABELS, checkConfigCases } from '../differential.ts';

test('a config call: the front door exits 0 without node only where the full check of the file does nothing', async () => {
  const results = await checkConfigCases();
  for (const label of SHELL_LABELS) {
    assert.ok(results.find((r) => r.name === 'config: nothing changed')?.quietIn.includes(label), `under ${label} the file's promise held where nothing changed`);
  }
});
