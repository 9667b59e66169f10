// The records of a pass (src/commands/records.ts): a save that moves only the check's times
// waits for the end of the pass, where the quiet promise's mark carries them instead; any
// other save is written at once. Real files in a temporary directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { Sandbox } from '../helpers.ts';
import { loadRecords } from '../../src/commands/records.ts';
import { emptyState, type ProgramState } from '../../src/core/state.ts';
import { readStateFile, writeStateFile } from '../../src/os/state-file.ts';

function recordsIn(box: Sandbox, timesInMark: boolean) {
  const stateFile = box.path('app.state.json');
  const first: ProgramState = { ...emptyState(), command: ['sleep', '9'], lastCheckMs: 1_000_000, lastSeenAliveMs: 1_000_000 };
  writeStateFile(stateFile, first, false);
  const records = loadRecords(stateFile, 'app', (line) => assert.fail(line), timesInMark);
  return { stateFile, first, records, text: () => readFileSync(stateFile, 'utf8') };
}

test('records: a save of the times alone waits; settled with the promise it is not written, without it it is', (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const { first, records, text } = recordsIn(box, true);
  const written = text();
  const later = { ...first, lastCheckMs: 2_000_000, lastSeenAliveMs: 2_000_000 };
  records.save(later);
  assert.equal(text(), written, 'not yet written');
  assert.deepEqual(records.onFile, later, 'the pass goes on from the new times');
  records.settle(true);
  assert.equal(text(), written, 'the promise (and its mark) carries them');

  records.save({ ...later, lastCheckMs: 3_000_000 });
  records.settle(false);
  assert.equal(JSON.parse(text()).lastCheckMs, 3_000_000, 'no promise: written at the end');
});

test('records: any other change, or a pass that does not settle so, is written at once', (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const own = recordsIn(box, true);
  own.records.save({ ...own.first, lastCheckMs: 2_000_000, launches: 1 });
  assert.equal(JSON.parse(own.text()).launches, 1, 'a change besides the times');
  const ino = statSync(own.stateFile).ino;
  own.records.settle(true);
  assert.equal(statSync(own.stateFile).ino, ino, 'nothing left to write');

  const other = new Sandbox();
  t.after(() => other.cleanup());
  const plain = recordsIn(other, false);
  plain.records.save({ ...plain.first, lastCheckMs: 2_000_000 });
  assert.equal(JSON.parse(plain.text()).lastCheckMs, 2_000_000, 'without timesInMark the times are written at once');
});

test("records: the mark's mtime is the last check and the last sighting when it is newer than the file's", (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const stateFile = box.path('app.state.json');
  const identity = { pid: 4242, startTime: '1', bootId: 'b', token: 't', launchedAtMs: 1_000 };
  writeStateFile(stateFile, { ...emptyState(), identity, lastCheckMs: 1_000_000, lastSeenAliveMs: 1_000_000 }, false);
  utimesSync(stateFile, 1_000, 1_000);
  const mark = box.path('app.checked');
  writeFileSync(mark, '123\n');
  utimesSync(mark, 2_000, 2_000);
  const read = readStateFile(stateFile);
  assert.equal(read.kind, 'ok');
  if (read.kind !== 'ok') return;
  assert.equal(read.state.lastCheckMs, 2_000_000);
  assert.equal(read.state.lastSeenAliveMs, 2_000_000);
  // An older mark changes nothing.
  utimesSync(mark, 500, 500);
  const older = readStateFile(stateFile);
  assert.equal(older.kind === 'ok' && older.state.lastCheckMs, 1_000_000);
});
