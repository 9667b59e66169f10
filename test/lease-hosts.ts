// Several "hosts" on one machine for the lease tests: each has its own ENSURE_RUNNING_HOME
// (hence its own host id), its own PID file and records, and runs the same crontab line.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { after, before } from 'node:test';
import { BIN, Sandbox, fixture, isAlive, runProcess, waitUntil, type RunResult } from './helpers.ts';
import { startPostgres, startRedis, type StoredLease, type StoreServer } from './servers.ts';
import { needs } from './tools.ts';

/** Short times keep a takeover fast: the lease outlives one interval plus a store call and a stop. */
export const FAST = ['--interval', '2s', '--lease-ttl', '8s', '--lease-timeout', '3s', '--kill-after', '1s', '--start-secs', '0'];
/** A lease that outlives many slow checks on a busy machine, for tests where it must not run out. */
export const LONG = ['--interval', '10s', '--lease-ttl', '60s', '--lease-timeout', '20s', '--kill-after', '1s', '--start-secs', '0'];
/**
 * Room for a holder to keep its copy over a few failed renewals (40s - (15s + 2s + 1s)) before
 * it steps down. The interval is what the step-down counts on: a busy machine's back-to-back
 * checks must come within it, as cron's do on a real host.
 */
export const ROOMY = ['--interval', '15s', '--lease-ttl', '40s', '--lease-timeout', '2s', '--kill-after', '1s', '--start-secs', '0'];

export class Hosts {
  constructor(
    readonly box: Sandbox,
    readonly server: StoreServer,
    readonly leaseName: string,
    /** The interval, TTL and timeouts of every call (FAST unless a test needs room for load). */
    readonly times: string[] = FAST,
    /** Times of one host's calls instead (a taker whose lease must outlive a slow machine's checks). */
    readonly hostTimes: Record<string, string[]> = {},
  ) {}

  /** The program of `host`'s crontab line and its arguments: by default the fixture that records its PID and token in `HOST.tokens`. */
  program = (host: string): string[] => [fixture('fenced.js'), this.box.path(`${host}.tokens`)];

  pidFile(host: string): string {
    return this.box.path(host, 'app.pid');
  }

  /**
   * The crontab line of `host` (with `extra` options), run once; `url` replaces the store's.
   * `machine`: run in a UTS namespace of its own with that hostname (unshare -u), as another machine would.
   */
  run(host: string, extra: string[] = [], url = this.server.url, env: NodeJS.ProcessEnv = {}, machine?: string): Promise<RunResult> {
    const args = this.args(host, extra, url);
    if (machine === undefined) return this.box.run(args, { env: this.env(host, env) });
    const script = 'hostname "$1" && shift && exec "$@"';
    return runProcess('unshare', ['-u', 'sh', '-c', script, 'sh', machine, BIN, ...args], { cwd: this.box.dir, env: this.env(host, env), timeoutMs: 60_000 });
  }

  /** The arguments of `host`'s crontab line (for a test that spawns the check itself). */
  args(host: string, extra: string[] = [], url = this.server.url): string[] {
    return [
      '--pid',
      this.pidFile(host),
      '--lease',
      url,
      '--lease-name',
      this.leaseName,
      ...(this.hostTimes[host] ?? this.times),
      ...extra,
      '--',
      ...this.program(host),
    ];
  }

  /** A manual action of `host` (--stop, --start, --release, --status) with the same lease options. */
  act(host: string, action: string[]): Promise<RunResult> {
    const args = ['--pid', this.pidFile(host), '--lease', this.server.url, '--lease-name', this.leaseName, ...(this.hostTimes[host] ?? this.times), ...action];
    return this.box.run(args, { env: this.env(host) });
  }

  /** Host `c` keeps a random id in its home; the others are named by ENSURE_RUNNING_HOST_ID. */
  env(host: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const id = host === 'c' ? {} : { ENSURE_RUNNING_HOST_ID: host };
    return this.box.env({ ENSURE_RUNNING_HOME: this.box.path(host, 'home'), ...this.server.env, ...id, ...extra });
  }

  /** Kills every copy any host launched (from the PID files and the launch lists, not only those a test looked at), then the sandbox. */
  cleanup(): void {
    for (const host of ['a', 'b', 'c']) {
      this.running(host);
      this.launches(host);
    }
    this.box.cleanup();
  }

  /** The PID of the copy running on `host`, or 0; tracked for cleanup. */
  running(host: string): number {
    const file = this.pidFile(host);
    if (!existsSync(file)) return 0;
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    if (!(pid > 1)) return 0;
    this.box.track(pid);
    return isAlive(pid) ? pid : 0;
  }

  /** Every launch on `host`: its PID and the fencing token it was given. */
  launches(host: string): { pid: number; token: string }[] {
    const file = this.box.path(`${host}.tokens`);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [pid, token] = line.split(' ');
        this.box.track(Number(pid));
        return { pid: Number(pid), token: token! };
      });
  }

  /** Runs `host`'s check until its copy runs (a takeover); returns everything the checks said. */
  async runUntilRunning(host: string, what: string): Promise<string> {
    let said = '';
    await waitUntil(
      async () => {
        said += (await this.run(host)).stderr;
        return this.running(host) > 0;
      },
      what,
      60_000,
      500,
    );
    return said;
  }

  /** The lease as `host` last recorded it (--status --json's `lease`). */
  async lease(host: string): Promise<{ role: string; holder: string | null; token: string | null; url: string; programToken: string | null }> {
    const status = await this.act(host, ['--status', '--json']);
    return JSON.parse(status.stdout).lease;
  }
}

/** The live copies over all hosts. */
export function copies(hosts: Hosts, names: string[]): { host: string; pid: number }[] {
  return names.map((host) => ({ host, pid: hosts.running(host) })).filter((copy) => copy.pid > 0);
}

/**
 * The same scenario on either store: a holds the lease (its lease runs out fast), b takes it
 * over and releases it while a's checks pause; a's next check, whose records still say it holds
 * the lease under token 1, says it took the lease over from b (the store names b), under token 3.
 */
export async function takenBackFromB(hosts: Hosts): Promise<void> {
  assert.equal((await hosts.run('a')).code, 0);
  await hosts.runUntilRunning('b', 'b to take the lease over');
  const released = await hosts.act('b', ['--release']);
  assert.equal(released.code, 0, released.stderr);
  const back = await hosts.run('a');
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stderr, /took over lease \S+ from host b \(\S+\) \(token 3\) as host a/, back.stderr);
  assert.doesNotMatch(back.stderr, /holding lease/, back.stderr);
}

/**
 * The private store server of a test file (test/servers.ts), started before its tests and
 * stopped after them, when its package is installed; `skip` is the tests' skip otherwise.
 * Call it at the top level of the test file.
 */
export function privateStore(kind: 'postgres' | 'redis'): StoreServer & { skip: string | false } {
  const skip = needs(kind === 'postgres' ? 'postgresql' : 'redis-server');
  let server: StoreServer | null = null;
  before(async () => {
    if (!skip) server = await (kind === 'postgres' ? startPostgres() : startRedis());
  });
  after(async () => {
    await server?.cleanup();
  });
  const it = (): StoreServer => {
    if (!server) throw new Error(`the private ${kind} server is not started (skipped, or used outside a test)`);
    return server;
  };
  return {
    skip,
    get url() {
      return it().url;
    },
    get port() {
      return it().port;
    },
    get dir() {
      return it().dir;
    },
    get env() {
      return it().env;
    },
    pid: () => it().pid(),
    stop: () => it().stop(),
    start: () => it().start(),
    pause: () => it().pause(),
    resume: () => it().resume(),
    cleanup: () => it().cleanup(),
    lease: (name: string): Promise<StoredLease | null> => it().lease(name),
  };
}

/** What leaseHosts needs of a test: a place for its cleanup. */
export type TestLike = { after(fn: () => unknown): void };

let leases = 0;
/** A sandbox with hosts a, b and c (their homes made) on a lease of their own (`prefix-PID-N`), cleaned up after the test. */
export function leaseHosts(t: TestLike, server: StoreServer, prefix: string, times?: string[], hostTimes?: Record<string, string[]>): Hosts {
  const box = new Sandbox();
  for (const host of ['a', 'b', 'c']) mkdirSync(box.path(host, 'home'), { recursive: true });
  const hosts = new Hosts(box, server, `${prefix}-${process.pid}-${++leases}`, times, hostTimes);
  t.after(() => hosts.cleanup());
  return hosts;
}
