// The lease store's host name looked up by `getent ahosts` (src/os/host-lookup.ts): its output read as Node's lookup answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAhosts } from '../../src/os/host-lookup.ts';

test('getent ahosts output → each address once, in its order, with its family', () => {
  const text = [
    '::1             STREAM localhost',
    '::1             DGRAM  ',
    '::1             RAW    ',
    '127.0.0.1       STREAM ',
    '127.0.0.1       DGRAM  ',
    '',
  ].join('\n');
  assert.deepEqual(parseAhosts(text), [
    { address: '::1', family: 6 },
    { address: '127.0.0.1', family: 4 },
  ]);
  assert.deepEqual(parseAhosts(''), []);
});
