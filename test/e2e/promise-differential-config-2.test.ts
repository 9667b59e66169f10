// The front door never says "quiet" wrongly for a `--config FILE` call (test/differential.ts):
// one promise for the file's programs, under dash and BusyBox sh, with the JS verifier
// alongside. A third of the cases (every third one), so that each file fits its time limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONFIG_CASES, SHELL_LABELS, checkConfigCases } from '../differential.ts';
import { needs } from '../tools.ts';

const third = CONFIG_CASES.filter((_, i) => i % 3 === 1);

test('a config call: the front door exits 0 without node only where the full check of the file does nothing (part 2 of 3)', {
  skip: needs('dash', 'busybox'),
}, async () => {
  const results = await checkConfigCases(third);
  const kept = results.find((r) => r.name === 'config: nothing changed');
  for (const label of SHELL_LABELS) assert.ok(!kept || kept.quietIn.includes(label), `under ${label} the file's promise held where nothing changed`);
});
