// Nothing of the lease is loaded on a check without --lease: in the bundle, pg and redis live
// in chunks of their own that only the lease step's chunk imports, and only dynamically.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers.ts';

const DIST = join(ROOT, 'dist');

test('lease chunks: pg and redis are bundled apart and reached only by dynamic import', {
  skip: !existsSync(join(DIST, 'cli.js')) && 'npm run build first',
}, () => {
  const files = ['cli.js', '../bin/ensure-running.js', 'full.cjs', ...readdirSync(join(DIST, 'chunks')).map((name) => join('chunks', name))];
  const text = new Map(files.map((file) => [file, readFileSync(join(DIST, file), 'utf8')]));
  const holding = (marker: string) => files.filter((file) => text.get(file)!.includes(marker));
  const pgChunks = holding('clock_timestamp()');
  const redisChunks = holding('ensure-running:lease:{');
  assert.equal(pgChunks.length, 1, `one chunk holds the PostgreSQL engine: ${pgChunks}`);
  assert.equal(redisChunks.length, 1, `one chunk holds the Redis engine: ${redisChunks}`);
  for (const chunk of [...pgChunks, ...redisChunks]) {
    const base = chunk.replace(/^chunks\//, '');
    for (const [file, body] of text) {
      if (file === chunk) continue;
      assert.ok(!new RegExp(`from\\s*"\\./${base.replace(/[.]/g, '\\.')}"`).test(body), `${file} imports ${base} statically`);
      if (body.includes(`"./${base}"`))
        assert.match(body, new RegExp(`import\\("\\./${base.replace(/[.]/g, '\\.')}"\\)`), `${file} reaches ${base} only by import()`);
    }
  }
  // The healthy path's entries never name them.
  for (const entry of ['cli.js', '../bin/ensure-running.js', 'full.cjs']) assert.doesNotMatch(text.get(entry)!, /postgres-|redis-/, entry);
});

test('the plain check bundle (dist/check.cjs) holds no lease engine, cron-parser nor TOML reader', {
  skip: !existsSync(join(DIST, 'check.cjs')) && 'npm run build first',
}, () => {
  const body = readFileSync(join(DIST, 'check.cjs'), 'utf8');
  assert.doesNotMatch(body, /clock_timestamp\(\)|ensure-running:lease:\{/, 'pg or redis engine in check.cjs');
  assert.doesNotMatch(body, /node_modules\/(pg|redis|@redis|cron-parser|luxon|smol-toml)\//, 'a heavy package in check.cjs');
  // Stand-ins for what needs them: reached only if src/cli/check-entry.ts routed a call here that does.
  for (const heavy of ['lease/postgres', 'lease/redis', 'core/schedule', 'config/call'])
    assert.ok(body.includes(`src/${heavy}.js is not in dist/check.cjs`), heavy);
  assert.doesNotMatch(body, /TomlError/, 'the TOML reader in check.cjs');
});
