// The decision is pure: the modules under src/core never reach the world themselves. Files,
// processes, the clock and HTTP come in as arguments from src/os through the commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers.ts';

const CORE = join(ROOT, 'src', 'core');
const FORBIDDEN = [
  [/from '(node:)?(fs|fs\/promises|child_process|net|http|https|os|process)'/, 'an OS module'],
  [/from '\.\.\/(os|commands|cli)\//, 'an adapter, a command or the entry'],
  [/\bDate\.now\(|new Date\(\)|performance\.now\(|process\.hrtime/, 'the clock'],
  [/\bprocess\.(kill|env|pid|cwd)\b/, 'the process'],
] as const;

for (const file of readdirSync(CORE).filter((name) => name.endsWith('.ts'))) {
  test(`core purity: src/core/${file} reaches no file, process, clock or network by itself`, () => {
    const text = readFileSync(join(CORE, file), 'utf8');
    for (const [pattern, what] of FORBIDDEN) assert.doesNotMatch(text, pattern, `src/core/${file} uses ${what}`);
  });
}
