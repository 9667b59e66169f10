// A store call that runs out names --lease-timeout, the bound the operator set for the whole
// request, even when it is a second try that had only what was left of it: before, the line's
// figure depended on how many milliseconds the first try took ("within 1s" for 2s, or "999ms").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { triedWithin } from '../../src/lease/step.ts';
import { StoreError, within } from '../../src/lease/store.ts';

test('a try of a request is bounded by what is left of --lease-timeout and names --lease-timeout itself', () => {
  const lease = { url: 'postgres://store/db', shownUrl: 'postgres://store/db', timeoutMs: 2000 };
  assert.deepEqual(triedWithin(lease, 1999), { ...lease, timeoutMs: 1999, saidTimeoutMs: 2000 });
  assert.deepEqual(triedWithin(lease, 2000), { ...lease, timeoutMs: 2000, saidTimeoutMs: 2000 });
  // Nothing left: still a bound (the call fails at once), never zero or less.
  assert.equal(triedWithin(lease, -5).timeoutMs, 1);
});

test('a call that runs out says the bound it was given to say, and frees its sockets', async () => {
  let abandoned = 0;
  const never = new Promise<never>(() => undefined);
  await assert.rejects(
    within(20, 'renew the lease at postgres://store/db', never, () => abandoned++, 2000),
    (error: unknown) => error instanceof StoreError && error.message === 'no answer within 2s to renew the lease at postgres://store/db',
  );
  assert.equal(abandoned, 1);
  // Without a figure of its own, the bound it ran for.
  await assert.rejects(
    within(20, 'read the lease', never, () => abandoned++),
    /no answer within 20ms to read the lease/,
  );
});
