// --lease postgres://: the same crontab line on several hosts runs the program on exactly one,
// against a private PostgreSQL started for this file (test/servers.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, rmSync } from 'node:fs';
import pg from 'pg';
import { isAlive, lines, waitUntil } from '../helpers.ts';
import { PG_PASSWORD, freePort } from '../servers.ts';
import { type Hosts, LONG, copies, privateStore, leaseHosts, takenBackFromB, type TestLike } from '../lease-hosts.ts';

/** The store's server: a private one, when its package is installed. */
const server = privateStore('postgres');
const skip = server.skip;

/** A sandbox with hosts a, b, c on a lease of their own. */
const setup = (t: TestLike, times?: string[], hostTimes?: Record<string, string[]>): Hosts => leaseHosts(t, server, 'app', times, hostTimes);

/** The lease's row, read by the test itself. */
async function row(name: string): Promise<{ holder: string; token: string; live: boolean } | null> {
  const client = new pg.Client({ connectionString: server.url.replace('er@', `er:${PG_PASSWORD}@`) });
  await client.connect();
  try {
    const result = await client.query('SELECT holder, token::text AS token, expires_at > clock_timestamp() AS live FROM ensure_running_lease WHERE name = $1', [
      name,
    ]);
    return result.rows[0] ?? null;
  } finally {
    await client.end();
  }
}

test('lease: three hosts, many simultaneous checks each → exactly one program in all, the others silent standbys', { skip }, async (t) => {
  // Twelve checks at once on a busy machine: room for slow store calls, none of them is about time.
  const hosts = setup(t, LONG);
  const names = ['a', 'b', 'c'];
  for (let round = 0; round < 2; round++) {
    const results = await Promise.all(names.flatMap((host) => [0, 1].map(() => hosts.run(host))));
    // A check starved of CPU past the lock's stale period loses its lock and launches nothing (exit 1, said): allowed here.
    for (const result of results)
      if (result.code !== 0) assert.match(result.stderr, /cannot keep the lock|taken over by another call|past the lock's stale period/, result.stderr);
    const live = copies(hosts, names);
    assert.equal(live.length, 1, `one copy in all after round ${round}: ${JSON.stringify(live)}`);
  }
  const [holder] = copies(hosts, names);
  await waitUntil(() => names.some((host) => hosts.launches(host).length), 'the copy to report its token');
  const launches = names.flatMap((host) => hosts.launches(host));
  assert.equal(launches.length, 1, 'launched once in all');
  assert.equal(launches[0]!.token, '1', 'the first holder gets token 1');
  // The holder's quiet checks give no quiet promise: every check must renew in the store.
  const quiet = await hosts.run(holder!.host);
  assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', '']);
  assert.ok(!existsSync(hosts.box.path(holder!.host, 'app.promise')), 'no promise with --lease');
  const standby = names.find((host) => host !== holder!.host)!;
  const status = await hosts.lease(standby);
  assert.equal(status.role, 'standby');
  assert.equal(status.token, '1');
});

test('lease: the token never moves on a renewal and reaches the program as ENSURE_RUNNING_FENCING_TOKEN', { skip }, async (t) => {
  const hosts = setup(t, LONG);
  for (let i = 0; i < 4; i++) assert.equal((await hosts.run('a')).code, 0);
  await waitUntil(() => hosts.launches('a').length === 1, 'the copy to report its token');
  assert.deepEqual(
    hosts.launches('a').map((launch) => launch.token),
    ['1'],
  );
  const lease = await hosts.lease('a');
  assert.deepEqual([lease.role, lease.holder, lease.token, lease.programToken], ['holder', 'a', '1', '1']);
  assert.equal((await row(hosts.leaseName))?.token, '1');
});

test('lease: the bare --status table of each host shows its role, the holder, the token and the time left, as its JSON says', { skip }, async (t) => {
  const hosts = setup(t, LONG);
  assert.equal((await hosts.run('a')).code, 0);
  assert.equal((await hosts.run('b')).code, 0);
  for (const [host, role] of [
    ['a', 'holder'],
    ['b', 'standby'],
  ] as const) {
    const table = await hosts.box.run(['--status'], { env: hosts.env(host) });
    const json = await hosts.box.run(['--status', '--json'], { env: hosts.env(host) });
    const [header, row] = lines(table.stdout);
    assert.match(header!, /^NAME +STATE +PID +UPTIME +LAUNCHES +ROLE +HOLDER +TOKEN +LEFT +PID FILE$/, table.stdout);
    const lease = JSON.parse(json.stdout)[0].lease;
    assert.deepEqual([lease.role, lease.holder, lease.token], [role, 'a', '1'], json.stdout);
    assert.ok(lease.leftSeconds > 0 && lease.leftSeconds <= 60, json.stdout);
    // The cells in the header's order: role, holder (id and hostname), token, time left.
    assert.match(row!, new RegExp(` ${role} +host a \\(\\S+\\) +1 +\\d+s +${hosts.pidFile(host).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), table.stdout);
  }
});

test("lease: the holder's checks stop → a standby takes over with a higher token; the old holder's next check stops its copy", { skip }, async (t) => {
  // a's lease runs out fast; b's, once taken, outlives the slowest check of a busy machine.
  const hosts = setup(t, undefined, { b: LONG });
  assert.equal((await hosts.run('a')).code, 0);
  const old = hosts.running('a');
  assert.ok(old > 0);
  // a's cron stops (a paused or partitioned host): b keeps checking, every interval (on a
  // busy machine its first check may already find a's lease run out).
  const taken = await hosts.runUntilRunning('b', 'b to take the lease over');
  // "from host a" when b saw a hold it; on a busy machine b's first check may find it run out already.
  assert.match(taken, /(took over lease \S+ from host a \(\S+\)|holding lease \S+) \(token 2\) as host b/);
  assert.equal(lines(taken).length, 2, `the role line and the start line: ${taken}`);
  await waitUntil(() => hosts.launches('b').length === 1, "b's copy to report its token");
  assert.deepEqual(
    hosts.launches('b').map((launch) => launch.token),
    ['2'],
  );
  // Until its next check the old holder's copy still runs (what the token is for)...
  assert.ok(isAlive(old), 'the old copy overlaps until its host checks again');
  const back = await hosts.run('a');
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stderr, /lease \S+ is held by host b \(\S+\) \(token 2\); stopping the copy here: stopped \(pid \d+/);
  assert.equal(lines(back.stderr).length, 1);
  assert.ok(!isAlive(old), "the old holder's first check stopped its copy");
  assert.deepEqual(
    copies(hosts, ['a', 'b']).map((copy) => copy.host),
    ['b'],
  );
});

test('lease: a program under an old token is restarted under the new one', { skip }, async (t) => {
  const hosts = setup(t, LONG);
  assert.equal((await hosts.run('a')).code, 0);
  const first = hosts.running('a');
  // Another host held it in between (its checks seen by the store only): a wins it back later with a new token.
  const client = new pg.Client({ connectionString: server.url.replace('er@', `er:${PG_PASSWORD}@`) });
  await client.connect();
  await client.query("UPDATE ensure_running_lease SET holder = 'z', token = token + 1, expires_at = clock_timestamp() - interval '1 second' WHERE name = $1", [
    hosts.leaseName,
  ]);
  await client.end();
  const again = await hosts.run('a');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /runs under fencing token 1, the lease.s token is now 3; restarting it/);
  assert.ok(!isAlive(first));
  await waitUntil(() => hosts.launches('a').length === 2, 'the new copy to report its token');
  assert.deepEqual(
    hosts.launches('a').map((launch) => launch.token),
    ['1', '3'],
  );
  assert.equal((await hosts.lease('a')).programToken, '3');
});

test('lease: wrong password, unknown scheme, wrong URL, unreachable host → one clear line, no password, no program', { skip }, async (t) => {
  const hosts = setup(t, LONG);
  const port = await freePort();
  const cases: [string, string, NodeJS.ProcessEnv, number, RegExp][] = [
    ['wrong password', server.url.replace('er@', 'er:not-the-pw@'), { PGPASSWORD: '' }, 2, /password authentication failed for user "er"/],
    ['no password', server.url, { PGPASSWORD: '', PGPASSFILE: hosts.box.path('none') }, 2, /~\/\.pgpass, the file PGPASSFILE names, or --lease-password-file/],
    ['unknown scheme', 'mysql://er:not-the-pw@127.0.0.1/x', {}, 2, /unknown scheme mysql; use postgres:\/\//],
    ['wrong URL', 'postgres://er:not-the-pw@[bad/x', {}, 2, /--lease is not a URL/],
    ['unreachable host', `postgres://er:not-the-pw@127.0.0.1:${port}/postgres`, {}, 1, /connect ECONNREFUSED/],
  ];
  for (const [what, url, env, code, pattern] of cases) {
    const result = await hosts.run('a', [], url, env);
    assert.equal(result.code, code, `${what}: ${result.stderr}`);
    assert.equal(lines(result.stderr).length, 1, `${what}: ${result.stderr}`);
    assert.match(result.stderr, pattern, what);
    if (code === 2 && /password/.test(what)) assert.match(result.stderr, /lease store refused this host \(/, `${what}: a refusal, not an outage`);
    assert.doesNotMatch(result.stderr + result.stdout, /not-the-pw/, `${what}: no password shown`);
    assert.deepEqual(hosts.launches('a'), [], `${what}: nothing launched`);
  }
});

test('lease: records lost or untrusted on the old holder → its standby check finds the copy by its environment and stops it', { skip }, async (t) => {
  // a's lease runs out fast; b's, once taken, outlives the slowest check of a busy machine.
  const hosts = setup(t, undefined, { b: LONG });
  assert.equal((await hosts.run('a')).code, 0);
  assert.equal((await hosts.run('b')).code, 0);
  const old = hosts.running('a');
  assert.ok(old > 0);
  // a's records become untrusted (group-writable): nothing on file names its copy any more.
  chmodSync(hosts.box.path('a', 'app.state.json'), 0o664);
  await hosts.runUntilRunning('b', 'b to take the lease over');
  const back = await hosts.run('a');
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stderr, /is held by host b \(\S+\) \(token 2\); stopping the copy here: stopped \(pid \d+/);
  assert.ok(!isAlive(old), "the old holder's standby check stopped the copy its records no longer named");
  const status = await hosts.act('a', ['--status']);
  assert.doesNotMatch(status.stdout, /running .*identity verified/, status.stdout);
  assert.deepEqual(
    copies(hosts, ['a', 'b']).map((copy) => copy.host),
    ['b'],
  );
});

test('lease: records lost on the holder, lease won again under a new token → the copy found by its environment is restarted', { skip }, async (t) => {
  const hosts = setup(t, LONG);
  assert.equal((await hosts.run('a')).code, 0);
  const first = hosts.running('a');
  rmSync(hosts.box.path('a', 'app.state.json'));
  const client = new pg.Client({ connectionString: server.url.replace('er@', `er:${PG_PASSWORD}@`) });
  await client.connect();
  await client.query("UPDATE ensure_running_lease SET holder = 'z', token = token + 1, expires_at = clock_timestamp() - interval '1 second' WHERE name = $1", [
    hosts.leaseName,
  ]);
  await client.end();
  const again = await hosts.run('a');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /pid \d+ runs under fencing token 1, the lease.s token is now 3; restarting it/);
  assert.ok(!isAlive(first));
  await waitUntil(() => hosts.launches('a').length === 2, 'the new copy to report its token');
  assert.deepEqual(
    hosts.launches('a').map((launch) => launch.token),
    ['1', '3'],
  );
  assert.equal((await hosts.lease('a')).programToken, '3');
});

test('lease: taken back after another host held it between two of its checks → "took over lease … from host b" (the store names b), not "holding lease"', {
  skip,
}, async (t) => {
  // a's lease runs out fast; b's, once taken, outlives the slowest check of a busy machine.
  await takenBackFromB(setup(t, undefined, { b: LONG }));
});
