// --lease when the store's name never resolves (a DNS server that swallows every query): the
// store call gives up at --lease-timeout, and the check's process ends then too, instead of
// living on until the resolver gives up (a lookup in libuv's thread pool is never cancelled).
// The machine's resolv.conf is left alone: the check runs in a mount namespace of its own
// (unshare -m) where /etc/resolv.conf names a local UDP port that reads and never answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, writeFileSync } from 'node:fs';
import { BIN, Sandbox, rootOnly, waitUntil } from '../helpers.ts';

const skip = rootOnly('to mount a resolv.conf of its own (unshare -m) and listen on port 53');

/** The silent DNS server: a loopback address of its own (127.77.x.y), on port 53; counts the queries. */
let dns: { socket: Socket; address: string; queries: number } | null = null;
before(async () => {
  if (skip) return;
  for (let tries = 0; !dns && tries < 20; tries++) {
    const address = `127.77.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
    const socket = createSocket('udp4');
    const bound = await new Promise<boolean>((done) => {
      socket.once('error', () => done(false));
      socket.bind(53, address, () => done(true));
    });
    if (!bound) {
      socket.close();
      continue;
    }
    dns = { socket, address, queries: 0 };
    const server = dns;
    socket.on('message', () => {
      server.queries++;
    });
  }
  assert.ok(dns, 'a free loopback address for the silent DNS server');
});
after(() => dns?.socket.close());

for (const url of ['postgres://er@store.example.test:5432/postgres', 'redis://store.example.test:6379']) {
  const engine = url.split(':')[0];
  test(`lease (${engine}): the store's name never resolves → the check gives up at --lease-timeout and its process ends`, { skip }, async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    // The resolver waits 30 s (glibc's longest) for one try: a check that waits for the lookup lives that long.
    const resolv = box.path('resolv.conf');
    writeFileSync(resolv, `nameserver ${dns!.address}\noptions timeout:30 attempts:1\n`);
    const before = dns!.queries;
    const args = ['--pid', box.path('app.pid'), '--lease', url, '--lease-name', 'dns', '--interval', '3s', '--lease-ttl', '15s', '--lease-timeout', '2s'];
    const script = 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"';
    const child = spawn('unshare', ['-m', 'sh', '-c', script, 'sh', resolv, BIN, ...args, '--', 'sleep', '300'], {
      cwd: box.dir,
      env: box.env({ PGPASSWORD: 'x', REDISCLI_AUTH: 'x' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    box.spawned(child.pid!);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    let code: number | null | undefined;
    void exited.then((c) => {
      code = c;
    });
    // Well before the resolver's 30 s: the process ends soon after the 2 s bound.
    await waitUntil(() => code !== undefined, 'the check to end, long before the resolver gives up', 20_000, 50);
    assert.ok(dns!.queries > before, 'the lookup went to the silent DNS server');
    assert.equal(code, 1, stderr);
    // One line, naming the bound.
    assert.match(stderr, /^app: lease store unreachable \(.*within 2s/, stderr);
    assert.match(stderr, /store\.example\.test/, stderr);
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.ok(!existsSync(box.path('app.pid')), 'nothing launched');
    // The records are whole and the lock is free: the next call acts at once.
    const status = await box.run(['--pid', box.path('app.pid'), '--status', '--json']);
    assert.equal(JSON.parse(status.stdout).lease.role, 'unknown', status.stdout);
  });
}
