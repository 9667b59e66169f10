// The lease table is made on first use by whichever host needs it first. Several hosts making
// it at once must all go on: PostgreSQL answers the losers of CREATE TABLE IF NOT EXISTS with
// one of three errors (a duplicate key in its catalog, the table, or its row type), and each
// means "made by another host", not an outage. Round after round on a fresh table, hosts of a
// private PostgreSQL ask for the lease at the same moment, through the store's own code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openStore } from '../../src/lease/lease.ts';
import type { LeaseStore } from '../../src/lease/store.ts';
import { PG_PASSWORD, PG_USER, startPostgres } from '../servers.ts';
import { needs } from '../tools.ts';

const HOSTS = 6;
const ROUNDS = 25;

test('several hosts making the lease table at once all get an answer: none is told the store is unreachable', { skip: needs('postgresql') }, async (t) => {
  const server = await startPostgres();
  t.after(() => server.cleanup());
  const passwordFile = join(server.dir, 'client-pw');
  writeFileSync(passwordFile, `${PG_PASSWORD}\n`, { mode: 0o600 });
  const url = new URL(server.url);
  const admin = new pg.Client({ host: url.hostname, port: Number(url.port), user: PG_USER, password: PG_PASSWORD, database: 'postgres' });
  await admin.connect();
  const failures: string[] = [];
  try {
    await rounds(admin, server.url, passwordFile, failures);
  } finally {
    // Before the server stops (the after-hook): it would end this connection with an error.
    await admin.end();
  }
  assert.deepEqual(failures, [], 'every host got an answer');
});

async function rounds(admin: pg.Client, storeUrl: string, passwordFile: string, failures: string[]): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    await admin.query('DROP TABLE IF EXISTS ensure_running_lease');
    const stores: LeaseStore[] = await Promise.all(
      Array.from({ length: HOSTS }, () => openStore({ url: storeUrl, shownUrl: storeUrl, timeoutMs: 20_000, passwordFile })),
    );
    const answers = await Promise.allSettled(
      stores.map((store, i) => store.acquireOrRenew(`first-use-${round}`, { id: `host-${i}`, hostname: `host-${i}`, instance: `boot-${i}` }, 60_000, '0')),
    );
    await Promise.all(stores.map((store) => store.close()));
    for (const answer of answers) if (answer.status === 'rejected') failures.push(`round ${round}: ${(answer.reason as Error).message}`);
    const holders = answers.filter((answer) => answer.status === 'fulfilled' && answer.value.mine).length;
    assert.ok(holders <= 1, `round ${round}: ${holders} hosts hold the lease`);
  }
}
