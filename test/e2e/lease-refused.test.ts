// --lease when the store refuses the connection at once because it is restarting: the check
// tries again within --lease-timeout and takes the lease, instead of counting an outage (two
// in a row make a holder step down). A private PostgreSQL and redis-server (test/servers.ts),
// stopped before the check; the check stands still right after it was refused (SIGSTOP at a
// named point of the fault suite) while the store comes back, then goes on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { BIN, Sandbox, waitUntil } from '../helpers.ts';
import { startPostgres, startRedis, type StoreServer } from '../servers.ts';
import { needs } from '../tools.ts';
import { Hosts, LONG } from '../lease-hosts.ts';

const engines = [
  { engine: 'postgres', skip: needs('postgresql'), start: startPostgres },
  { engine: 'redis', skip: needs('redis-server'), start: startRedis },
] as const;
const servers = new Map<string, StoreServer>();
before(async () => {
  for (const { engine, skip, start } of engines) if (!skip) servers.set(engine, await start());
});
after(async () => {
  for (const server of servers.values()) await server.cleanup();
});

for (const { engine, skip } of engines) {
  test(`lease (${engine}): the store refuses the connection (restarting), then answers → the check tries again and takes the lease`, { skip }, async (t) => {
    const server = servers.get(engine)!;
    const box = new Sandbox();
    mkdirSync(box.path('a', 'home'), { recursive: true });
    const hosts = new Hosts(box, server, `refused-${process.pid}`, LONG);
    t.after(async () => {
      hosts.cleanup();
      await server.start();
    });
    await server.stop();
    const child = spawn(BIN, hosts.args('a'), {
      cwd: box.dir,
      env: hosts.env('a', { ENSURE_RUNNING_FAILPOINT: 'pause:lease-refused' }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    box.spawned(child.pid!);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    await waitUntil(() => stderr.includes('paused at lease-refused'), 'the check to be refused by the stopped store');
    await server.start();
    process.kill(child.pid!, 'SIGCONT');
    const code = await exited;
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /unreachable/, stderr);
    assert.match(stderr, /holding lease \S+ \(token 1\)/, stderr);
    await waitUntil(() => hosts.launches('a').length === 1, 'the copy to report its token');
    assert.ok(hosts.running('a') > 0);
  });
}
