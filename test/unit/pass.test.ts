// What one check said, as data (src/commands/pass.ts): the lines printed are the transitions'
// lines and the warnings, in order; "silent" (which gates the quiet promise) and the message a
// hook is told come from them, never from what reached stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pass } from '../../src/commands/pass.ts';
import type { Transition } from '../../src/core/transition.ts';
import type { World } from '../../src/world.ts';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);

/** A world that keeps what reaches stderr and stdout. */
function terminal(): { world: World; err: string[]; out: string[] } {
  const err: string[] = [];
  const out: string[] = [];
  const world: World = { now: () => T0, cwd: '/', env: {}, home: '/', warn: (line) => err.push(line), say: (line) => out.push(line) };
  return { world, err, out };
}

const move = (kind: Transition['kind'], line: string | null): Transition => ({
  from: 'running',
  to: 'stopped',
  kind,
  pid: 4242,
  exit: null,
  token: null,
  reason: '',
  line,
  atMs: T0,
});

test('pass: silent transitions (a crowded death and its relaunch) print nothing and leave the pass silent', () => {
  const { world, err, out } = terminal();
  const pass = new Pass(world);
  pass.collect([move('death', null), move('launch', null)]);
  assert.deepEqual([err, out, pass.said], [[], [], []]);
  assert.equal(pass.transitions.length, 2, 'both are on record');
  assert.equal(pass.silent(), true);
});

test('pass: a transition with a line is printed as it is collected, and the pass is not silent', () => {
  const { world, err } = terminal();
  const pass = new Pass(world);
  pass.collect([move('death', 'app: died (pid 4242)'), move('launch', 'app: started (pid 5151)')]);
  assert.deepEqual(err, ['app: died (pid 4242)', 'app: started (pid 5151)']);
  assert.deepEqual(pass.said, err);
  assert.equal(pass.silent(), false);
});

test('pass: warnings and transition lines are told in the order said', () => {
  const { world, err } = terminal();
  const pass = new Pass(world);
  pass.world.warn('app: warning: records not trusted');
  pass.collect([move('death', 'app: died')]);
  assert.deepEqual(pass.said, ['app: warning: records not trusted', 'app: died']);
  assert.deepEqual(err, pass.said);
  assert.equal(pass.silent(), false);
});

test('pass: a line aside (kept from a waiter, a notification failure) is printed, tells no hook, but the pass is not silent', () => {
  const { world, err } = terminal();
  const pass = new Pass(world);
  pass.asideWorld().warn('app: died (kept)');
  assert.deepEqual([err, pass.said], [['app: died (kept)'], []]);
  assert.equal(pass.silent(), false);
});

test('pass: transitions put on record by a step that said their words itself (a stop) are not said again', () => {
  const { world, err } = terminal();
  const pass = new Pass(world);
  pass.transitions.push(move('death', 'pid 4242 had died'));
  assert.deepEqual(err, []);
  assert.equal(pass.silent(), false, 'a transition with a line is never a silent check');
});
