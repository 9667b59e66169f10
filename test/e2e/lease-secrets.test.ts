// --lease with passwords as real servers ask for them: a PostgreSQL with password
// authentication (and TLS) read from a pgpass file, a Redis with AUTH (requirepass) read from
// REDISCLI_AUTH or --lease-password-file. Never on the command line; healthy checks of the
// holder and of a standby print nothing; the line --crontab prints logs in as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, rootOnly, runProcess, waitUntil } from '../helpers.ts';
import { PG_PASSWORD, REDIS_PASSWORD, type StoreServer } from '../servers.ts';
import { Hosts, LONG, privateStore, leaseHosts, type TestLike } from '../lease-hosts.ts';

const pgServer = privateStore('postgres');
const redisServer = privateStore('redis');
const skipPg = pgServer.skip;
const skipRedis = redisServer.skip;

const setup = (t: TestLike, server: StoreServer): Hosts => leaseHosts(t, server, 'secret', LONG);

/** Holder a and standby b: after the first checks (which say what they became), two checks each exit 0 and print nothing at all. */
async function quietRounds(hosts: Hosts, url: string, env: Record<string, NodeJS.ProcessEnv> = {}, extra: string[] = []): Promise<void> {
  for (let round = 0; round <= 2; round++) {
    for (const host of ['a', 'b']) {
      const result = await hosts.run(host, extra, url, env[host] ?? {});
      if (round === 0) assert.equal(result.code, 0, result.stderr);
      else assert.deepEqual([result.code, result.stderr, result.stdout], [0, '', ''], `round ${round}, host ${host}`);
    }
  }
  assert.ok(hosts.running('a') > 0, 'a holds and runs the program');
  assert.equal(hosts.running('b'), 0, 'b stands by');
}

test('PostgreSQL: the password from PGPASSFILE or ~/.pgpass, sslmode=require → holder and standby checks print nothing', { skip: skipPg }, async (t) => {
  const hosts = setup(t, pgServer);
  // a reads the file PGPASSFILE names (test/servers.ts); b its ~/.pgpass (HOME), the same lines.
  const home = hosts.box.path('b', 'userhome');
  mkdirSync(home, { recursive: true });
  writeFileSync(`${home}/.pgpass`, readFileSync(pgServer.env.PGPASSFILE!, 'utf8'), { mode: 0o600 });
  const env = { b: { PGPASSFILE: '', HOME: home } };
  // TLS when the server has a certificate (openssl comes with Debian's postgresql): sslmode=require as libpq means it.
  const tls = existsSync(join(pgServer.dir, 'server.crt'));
  await quietRounds(hosts, tls ? `${pgServer.url}?sslmode=require` : pgServer.url, env);
  // A pgpass file others may read is refused, as libpq ignores it: one line, exit 2.
  chmodSync(`${home}/.pgpass`, 0o644);
  const loose = await hosts.run('b', [], pgServer.url, env.b);
  assert.equal(loose.code, 2, loose.stderr);
  assert.match(loose.stderr, /\.pgpass has group or other access \(mode 644\); chmod 600 /);
});

test('PostgreSQL: --lease-password-file gives the password; a missing one is named', { skip: skipPg }, async (t) => {
  const hosts = setup(t, pgServer);
  const file = hosts.box.path('pw');
  writeFileSync(file, `${PG_PASSWORD}\n`, { mode: 0o600 });
  const none = { PGPASSFILE: hosts.box.path('none') };
  await quietRounds(hosts, pgServer.url, { a: none, b: none }, ['--lease-password-file', file]);
  const missing = await hosts.run('c', ['--lease-password-file', hosts.box.path('nowhere')], pgServer.url, none);
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /--lease-password-file \S+nowhere does not exist/);
});

test('Redis with AUTH: the password from REDISCLI_AUTH or --lease-password-file, never in argv; checks print nothing', { skip: skipRedis }, async (t) => {
  const hosts = setup(t, redisServer);
  await quietRounds(hosts, redisServer.url);
  const file = hosts.box.path('pw');
  writeFileSync(file, `${REDIS_PASSWORD}\n`, { mode: 0o600 });
  await quietRounds(hosts, redisServer.url, { a: { REDISCLI_AUTH: '' }, b: { REDISCLI_AUTH: '' } }, ['--lease-password-file', file]);
  const refused = await hosts.run('c', [], redisServer.url, { REDISCLI_AUTH: '' });
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /lease store refused this host \(.*NOAUTH.*REDISCLI_AUTH or --lease-password-file/);
  // A database index the server does not have is a refusal too (fix the URL): exit 2, not an outage.
  const index = await hosts.run('c', [], `${redisServer.url}/99`);
  assert.equal(index.code, 2, index.stderr);
  assert.match(index.stderr, /lease store refused this host \(.*DB index is out of range/);
});

/** Times a crontab line can have (cron counts minutes). */
const MINUTE = ['--interval', '1m', '--lease-timeout', '20s', '--kill-after', '1s', '--start-secs', '0'];

/** The command of a crontab line (after its five schedule fields), run by sh with cron's bare environment. */
async function runLine(line: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const command = line.split(' ').slice(5).join(' ').replace(/\\%/g, '%');
  return runProcess('/bin/sh', ['-c', command], { cwd: '/', env, timeoutMs: 60_000 });
}

test('--crontab prints a line that logs in: PGPASSFILE kept for PostgreSQL, --lease-password-file for Redis', { skip: skipPg || skipRedis }, async (t) => {
  const hosts = setup(t, pgServer);
  const cron = { HOME: hosts.box.path('a', 'home'), ENSURE_RUNNING_HOME: hosts.box.path('a', 'home'), LANG: 'C' };
  const pidFile = hosts.box.path('a', 'app.pid');
  const base = ['--crontab', '--pid', pidFile, '--lease-name', hosts.leaseName, ...MINUTE];
  const pgLine = await hosts.box.run([...base, '--lease', pgServer.url, '--', process.execPath, '-e', 'setInterval(()=>{},1e9)'], {
    env: hosts.box.env({ ...pgServer.env, ENSURE_RUNNING_HOME: cron.ENSURE_RUNNING_HOME }),
  });
  assert.equal(pgLine.code, 0, pgLine.stderr);
  const pgCron = pgLine.stdout.split('\n').find((line) => /^\S+ \S+ \S+ \S+ \S+ PATH=/.test(line))!;
  assert.match(pgCron, /PGPASSFILE=\S*pgpass /);
  const pgRun = await runLine(pgCron, cron);
  assert.equal(pgRun.code, 0, `${pgCron}\n${pgRun.stderr}`);
  assert.match(pgRun.stderr, /holding lease \S+ \(token 1\)/);
  hosts.box.track(Number(readFileSync(pidFile, 'utf8')));

  // Redis: the password was in REDISCLI_AUTH, which cron does not have: the comment names --lease-password-file.
  const redisBase = ['--crontab', '--pid', hosts.box.path('b', 'app.pid'), '--lease-name', `${hosts.leaseName}-r`, ...MINUTE, '--lease', redisServer.url];
  const said = await hosts.box.run([...redisBase, '--', process.execPath, '-e', 'setInterval(()=>{},1e9)'], { env: hosts.box.env(redisServer.env) });
  assert.match(said.stdout, /^# REDISCLI_AUTH is not in this line .*--lease-password-file FILE/m);
  const file = hosts.box.path('redis-pw');
  writeFileSync(file, `${REDIS_PASSWORD}\n`, { mode: 0o600 });
  const redisLine = await hosts.box.run([...redisBase, '--lease-password-file', file, '--', process.execPath, '-e', 'setInterval(()=>{},1e9)'], {
    env: hosts.box.env(redisServer.env),
  });
  assert.equal(redisLine.code, 0, redisLine.stderr);
  assert.doesNotMatch(redisLine.stdout, /REDISCLI_AUTH|er-redis-pw/);
  const redisCron = redisLine.stdout.split('\n').find((line) => /^\S+ \S+ \S+ \S+ \S+ PATH=/.test(line))!;
  const redisRun = await runLine(redisCron, { ...cron, ENSURE_RUNNING_HOME: hosts.box.path('b', 'home') });
  assert.equal(redisRun.code, 0, `${redisCron}\n${redisRun.stderr}`);
  assert.match(redisRun.stderr, /holding lease \S+ \(token 1\)/);
  hosts.box.track(Number(readFileSync(hosts.box.path('b', 'app.pid'), 'utf8')));
});

// The program reads its own environment (as the user it runs as can, from /proc/PID/environ) into a file.
const DUMP = 'tr "\\0" "\\n" < /proc/$$/environ > "$1.tmp" && mv "$1.tmp" "$1"; exec sleep 300';

for (const engine of ['postgres', 'redis'] as const) {
  for (const respawn of [false, true]) {
    const skip = rootOnly('to run the program as nobody') || (engine === 'postgres' ? skipPg : skipRedis);
    test(`${engine}${respawn ? ', --respawn' : ''}: the store's password variable never reaches the program (--user nobody reads its own environment)`, {
      skip,
    }, async (t) => {
      const server = engine === 'postgres' ? pgServer : redisServer;
      const box = new Sandbox();
      mkdirSync(box.path('a', 'home'), { recursive: true });
      const hosts = new Hosts(box, server, `secret-env-${process.pid}-${engine}${respawn ? '-respawn' : ''}`, LONG);
      chmodSync(hosts.box.dir, 0o755);
      const out = hosts.box.path('out');
      mkdirSync(out, { mode: 0o777 });
      chmodSync(out, 0o777);
      const dump = join(out, 'environ');
      // The password from the variable each engine reads, as cron's environment would give it.
      const secret = engine === 'postgres' ? { PGPASSWORD: PG_PASSWORD, PGPASSFILE: '' } : { REDISCLI_AUTH: REDIS_PASSWORD };
      const args = ['--pid', hosts.pidFile('a'), '--lease', server.url, '--lease-name', hosts.leaseName, ...LONG, '--user', 'nobody'];
      if (respawn) args.push('--respawn');
      const env = hosts.env('a', secret);
      // --respawn's waiter relaunches a killed program: --stop ends both before the sandbox goes.
      t.after(async () => {
        await hosts.box.run([...args, '--stop'], { env });
        hosts.cleanup();
      });
      const result = await hosts.box.run([...args, '--', '/bin/sh', '-c', DUMP, 'sh', dump], { env });
      assert.equal(result.code, 0, result.stderr);
      assert.ok(hosts.running('a') > 0, 'the store was logged in to with the password: the program runs');
      const environ = await waitUntil(() => existsSync(dump) && readFileSync(dump, 'utf8'), 'the program to read its environment');
      assert.match(environ, /^ENSURE_RUNNING_FENCING_TOKEN=1$/m, "the environment read is the leased program's");
      assert.doesNotMatch(environ, /^(PGPASSWORD|REDISCLI_AUTH)=/m, environ);
      assert.ok(!environ.includes(PG_PASSWORD) && !environ.includes(REDIS_PASSWORD), 'no password anywhere in it');
    });
  }
}
