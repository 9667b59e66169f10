// A host name looked up within a bound, for the lease store's connection. Node's own lookup
// (getaddrinfo in libuv's thread pool) cannot be cancelled, and the process cannot end while
// one runs: a resolver that never answers kept a check alive long after its --lease-timeout
// (its exit waits for the thread). Here the lookup runs in a child, `getent ahosts`, which
// asks the system's resolver as getaddrinfo does (/etc/hosts, DNS, nsswitch), and is killed
// at the bound. Without /usr/bin/getent (a system that lacks it), Node's lookup is used.

import { execFile } from 'node:child_process';
import { lookup as nodeLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { formatDuration } from '../core/duration.js';

/** By its full path: a PATH with a directory another user can write (root's cron included) never chooses it. */
const GETENT = '/usr/bin/getent';

type Done = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** The addresses of `getent ahosts` output, in its order, each once. */
export function parseAhosts(text: string): LookupAddress[] {
  const seen = new Set<string>();
  const found: LookupAddress[] = [];
  for (const line of text.split('\n')) {
    const address = line.split(/\s+/)[0] ?? '';
    const family = isIP(address);
    if (family === 0 || seen.has(address)) continue;
    seen.add(address);
    found.push({ address, family });
  }
  return found;
}

const notFound = (hostname: string, why: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (${why})`), { code: 'ENOTFOUND', hostname });

/**
 * A `lookup` for net.connect that gives up after `timeoutMs`: the child is killed then, so
 * nothing is left to keep the process alive once the call that needed it has given up.
 */
export function boundedLookup(timeoutMs: number): (hostname: string, options: LookupOptions, done: Done) => void {
  return (hostname, options, done) => {
    execFile(GETENT, ['ahosts', hostname], { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' }, (error, stdout) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        nodeLookup(hostname, { ...options, all: true }, (failed, all) => (failed ? done(failed, []) : answer(all)));
        return;
      }
      if (error) {
        const why = error.killed
          ? `the name service did not answer within ${formatDuration(timeoutMs)}: look at /etc/resolv.conf and its name servers`
          : 'no such host';
        done(notFound(hostname, why), []);
        return;
      }
      answer(parseAhosts(stdout));
    });
    function answer(all: LookupAddress[]): void {
      const wanted = all.filter((entry) => !options.family || entry.family === options.family);
      if (wanted.length === 0) done(notFound(hostname, 'no address'), []);
      else if (options.all) done(null, wanted);
      else done(null, wanted[0]!.address, wanted[0]!.family);
    }
  };
}
