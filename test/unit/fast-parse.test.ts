// The healthy path's plain-argv reader against the full parser (yargs-parser): whenever the
// plain reader answers, the full parser must answer the same call, over a large corpus.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlainCheck } from '../../src/cli/fast-parse.ts';
import { parseArgs, type ParsedCall } from '../../src/cli/parse.ts';
import { OPTIONS, type OptionSpec } from '../../src/cli/options.ts';

const TABLE = OPTIONS as Record<string, OptionSpec>;

function fullParse(args: string[]): ParsedCall | Error {
  try {
    return parseArgs(args);
  } catch (error) {
    return error as Error;
  }
}

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES = ['app.pid', '0', '5', '1e3', '0x10', '1.50', '-5', '-x', '', 'a=b', 'A=1', 'true', 'false', '-', 'x y', 'é', ' ', '10s', 'TERM', '__proto__'];
const JUNK = [
  '-p',
  '---pid',
  '--no-status',
  '--Pid',
  '--pid.x',
  '--startSecs',
  'positional',
  '--__proto__',
  '--constructor',
  '--toString',
  '-',
  '--',
  '--=x',
  '--env',
  '--pid',
];
const COMMAND = ['./server.js', '--pid', 'other.pid', '--status', '-5', '1e3', ''];

function generate(next: () => number, count: number): string[][] {
  const names = Object.keys(TABLE);
  const pick = <T>(list: T[]): T => list[Math.floor(next() * list.length)]!;
  const corpus: string[][] = [];
  for (let n = 0; n < count; n++) {
    const args: string[] = [];
    const length = Math.floor(next() * 7);
    for (let i = 0; i < length; i++) {
      const roll = next();
      const name = pick(names);
      if (roll < 0.45) args.push(`--${name}`, pick(VALUES));
      else if (roll < 0.7) args.push(`--${name}=${pick(VALUES)}`);
      else if (roll < 0.85) args.push(`--${name}`);
      else args.push(pick(JUNK));
    }
    if (next() < 0.8) args.push('--', ...Array.from({ length: Math.floor(next() * 4) }, () => pick(COMMAND)));
    corpus.push(args);
  }
  return corpus;
}

const CRONTAB_FORMS: string[][] = [
  ['--pid', 'app.pid', '--', './server.js'],
  ['--pid', '/srv/app/app.pid', '--cwd', '/srv/app', '--log', '/srv/app/app.log', '--', 'node', 'server.js', '--port', '8080'],
  ['--pid=app.pid', '--start-secs=0', '--env', 'PORT=8080', '--env', 'NODE_ENV=production', '--', '/usr/bin/node', 'server.js'],
  ['--pid', 'app.pid', '--max-retries', '3', '--backoff-max', '5m', '--min-uptime', '1m', '--kill-after', '5s', '--signal', 'INT', '--', './app'],
  ['--pid', 'app.pid', '--stdout', 'out.log', '--stderr', 'err.log', '--interval', '5m', '--', './app'],
];

test('the plain reader reads the usual crontab forms, exactly as the full parser does', () => {
  for (const args of CRONTAB_FORMS) {
    const plain = parsePlainCheck(args);
    assert.notEqual(plain, null, `plain reader gave up on ${JSON.stringify(args)}`);
    assert.deepStrictEqual(plain, fullParse(args), JSON.stringify(args));
  }
});

test('the plain reader leaves actions, help, errors and odd forms to the full parser', () => {
  const handOff = [
    ['--pid', 'app.pid', '--status'],
    ['--pid', 'app.pid', '--stop'],
    ['--pid', 'app.pid', '--start', '--', './server.js'],
    ['--help'],
    ['--version'],
    ['--pid', 'app.pid', '--pid', 'b.pid', '--', 'x'],
    ['--pid', '--', 'x'],
    ['--pid', '-x', '--', 'x'],
    ['--pid=', '--', 'x'],
    ['--pid', 'app.pid', 'stray', '--', 'x'],
    ['--pidfile', 'app.pid', '--', 'x'],
    ['-p', 'app.pid', '--', 'x'],
    ['--json', 'true', '--pid', 'a', '--', 'x'],
    ['--json=true', '--pid', 'a', '--', 'x'],
    ['--__proto__', 'x', '--', 'x'],
  ];
  for (const args of handOff) assert.equal(parsePlainCheck(args), null, JSON.stringify(args));
});

test("over a generated corpus, every call the plain reader returns is the full parser's call", () => {
  const corpus = generate(random(20260101), 20_000);
  let answered = 0;
  let refusedByFull = 0;
  for (const args of corpus) {
    const full = fullParse(args);
    if (full instanceof Error) refusedByFull++;
    const plain = parsePlainCheck(args);
    if (plain === null) continue;
    answered++;
    assert.deepStrictEqual(plain, full, `argv ${JSON.stringify(args)}`);
  }
  // The corpus must exercise both sides, or the equivalence above proves nothing.
  assert.ok(answered > 1000, `the plain reader answered only ${answered} of ${corpus.length}`);
  assert.ok(refusedByFull > 1000, `the full parser refused only ${refusedByFull} of ${corpus.length}`);
});
