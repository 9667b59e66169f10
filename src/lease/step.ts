// The check's store call (--lease), an effect its executor performs (src/commands/executor.ts)
// under the check's lock, before it observes: one call (acquire or renew), the role decided by
// src/core/lease-role.ts and given back to `decide` as an event, whose decision stops the copy
// here when this host must not run it (standby, step-down, held everywhere, or a restart under
// a new fencing token) with the stop effects of --stop. A holder's check then goes on as usual,
// with the token in the program's environment; any other host's check ends there.

import { formatDuration } from '../core/duration.js';
import { emptyLeaseRecord, type LeaseRecord } from '../core/lease-record.js';
import { decideLease, leaseGo, type LeaseGo, type StoreAnswer } from '../core/lease-role.js';
import type { Identity, ProgramState } from '../core/state.js';
import type { TickEvent } from '../core/tick.js';
import { observe, userOf } from '../os/observe.js';
import { pausepoint } from '../os/failpoint.js';
import { fencingTokenOf } from '../os/orphan.js';
import { bootId } from '../os/proc-identity.js';
import { removePromise } from '../os/promise-file.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';
import { leaseHost } from './host.js';
import { openStore, StoreError, type LeaseHost, type LeaseOptions, type StoreTarget } from './lease.js';

/** Milliseconds on CLOCK_MONOTONIC, which every process of one boot shares: wall-clock steps do not move it. */
export const monoMs = (): number => Number(process.hrtime.bigint() / 1_000_000n);

/** The lease record of these records, or a fresh one when --lease or --lease-name changed. */
export function recordOf(state: ProgramState | null, lease: LeaseOptions): LeaseRecord {
  const kept = state?.lease;
  return kept && kept.name === lease.name && kept.url === lease.shownUrl ? kept : emptyLeaseRecord(lease.shownUrl, lease.name);
}

/**
 * The copy running here, with the fencing token it was launched with (null when neither the
 * records nor its environment say), looked for as every check looks: a copy that lost or
 * untrusted records no longer name is found by its environment (`found`, to be put on record
 * so that a stop reaches it).
 */
function copyHere(
  config: ProgramConfig,
  state: ProgramState,
  record: LeaseRecord,
  lost: boolean,
): { pid: number; token: string | null; found: Identity | null } | null {
  const looked = observe(config.paths, state, { tail: false, scan: lost, lost, user: userOf(config) });
  if (looked.obs.kind !== 'ours') return null;
  const identity = looked.found?.identity ?? state.identity;
  if (!identity) return null;
  const ran = record.ranWith;
  const recorded = !looked.found && ran && ran.launch === identity.token ? ran.token : null;
  return { pid: looked.obs.pid, token: recorded ?? fencingTokenOf(looked.obs.pid), found: looked.found ? identity : null };
}

/** A store that refused the connection at once (restarting) is asked again after this, then twice as long, ... */
export const RESTART_RETRY_DELAY_MS = 250;
/** ... at most this many times, and only while --lease-timeout leaves room for the wait and a call. */
export const RESTART_RETRIES = 3;

/** How many store calls one process makes at once: a config file of many leased programs asks for their leases together, this many at a time. */
export const STORE_CALLS_AT_ONCE = 16;

let calling = 0;
const waiting: (() => void)[] = [];

/** Waits for a turn among the store calls of this process; returns what frees it (once). */
async function storeTurn(): Promise<() => void> {
  if (calling >= STORE_CALLS_AT_ONCE) await new Promise<void>((turn) => waiting.push(turn));
  else calling++;
  let freed = false;
  return () => {
    if (freed) return;
    freed = true;
    // The slot passes straight to the next in line, or is freed.
    const next = waiting.shift();
    if (next) next();
    else calling--;
  };
}

/**
 * The store as one try of a request reaches it: bounded by what is left of --lease-timeout
 * (`leftMs`), and naming --lease-timeout itself when it runs out, the bound the operator set
 * for the whole request (a try after a refused one would otherwise say a second less, or
 * "999ms", by how many milliseconds the first took).
 */
export function triedWithin<T extends StoreTarget>(lease: T, leftMs: number): T {
  return { ...lease, timeoutMs: Math.max(1, leftMs), saidTimeoutMs: lease.timeoutMs };
}

/**
 * Asks the store within --lease-timeout, all tries together, counted from when its turn among
 * the process's store calls came (`askedMonoMs`); a store error is an answer too. The turn is
 * held until the connection is closed. A connection refused at once (a store restarting) is
 * tried again a few times first, so that a restart of a second does not count as an outage
 * (two in a row make a holder step down).
 */
async function ask(lease: LeaseOptions, host: LeaseHost, floor: string): Promise<{ answer: StoreAnswer; askedMonoMs: number; close(): Promise<void> }> {
  const free = await storeTurn();
  const startedMs = monoMs();
  try {
    for (let tries = 0; ; tries++) {
      const leftMs = lease.timeoutMs - (monoMs() - startedMs);
      const store = await openStore(triedWithin(lease, leftMs));
      try {
        const answer: StoreAnswer = { kind: 'ok', ...(await store.acquireOrRenew(lease.name, host, lease.ttlMs, floor)) };
        // Closed after the answer is judged: the closing's time is not the answer's age.
        const close = async () => {
          try {
            await store.close();
          } finally {
            free();
          }
        };
        return { answer, askedMonoMs: startedMs, close };
      } catch (error) {
        await store.close();
        if (!(error instanceof StoreError)) throw error;
        const waitMs = RESTART_RETRY_DELAY_MS * 2 ** tries;
        if (error.restarting && tries < RESTART_RETRIES && lease.timeoutMs - (monoMs() - startedMs) > 2 * waitMs) {
          // The fault suite's pause: a check that was just refused, while its store comes up.
          pausepoint('lease-refused');
          await new Promise((done) => setTimeout(done, waitMs));
          continue;
        }
        free();
        return { answer: { kind: 'error', text: error.message, config: error.config }, askedMonoMs: startedMs, close: async () => undefined };
      }
    }
  } catch (error) {
    free();
    throw error;
  }
}

/** The highest fencing token this host has recorded for the lease (seen from the store, or run with): the store's counter is raised to it. */
export function highestToken(record: LeaseRecord): string {
  let high = 0n;
  for (const token of [record.seen?.token, record.ranWith?.token]) if (token !== undefined && BigInt(token) > high) high = BigInt(token);
  return String(high);
}

/**
 * The `ask-lease` effect of a check (src/commands/executor.ts): one store call, and this host's
 * role decided from its answer (src/core/lease-role.ts), to go back to `decide` as the
 * `lease-answered` event; and how the check goes on once it is decided (`go`). `state`: the
 * records the check starts from; `lost`: it has none. `manualStart`: --start, which clears a local hold.
 */
export async function askLease(
  config: ProgramConfig,
  world: World,
  state: ProgramState,
  { manualStart, lost }: { manualStart: boolean; lost: boolean },
): Promise<{ event: TickEvent; go: LeaseGo }> {
  const lease = config.lease!;
  const { paths } = config;
  const record = recordOf(state, lease);
  const host = leaseHost(lease.hostId, config.registryDir);
  const asked = await ask(lease, host, highestToken(record));
  const { answer, askedMonoMs } = asked;
  // The fault suite's pause: a check that stands still right after the store answered.
  pausepoint('lease-answered');
  const clock = { now: world.now(), bootId: bootId(), askedMonoMs, monoMs: monoMs() };
  await asked.close();
  // Looked for once the store answered: a copy that ended during the call is not stopped, the check finds it gone.
  const copy = copyHere(config, state, record, lost);
  const running = copy && { pid: copy.pid, token: copy.token };
  const rules = {
    name: paths.name,
    leaseName: lease.name,
    intervalMs: config.policy.periodMs,
    ttlMs: lease.ttlMs,
    timeoutMs: lease.timeoutMs,
    stopMs: config.killAfterMs,
  };
  const decision = decideLease({ record, answer, me: host, running, clock, rules });
  // Before any signal: no call may take the quiet path on the promise of a copy being stopped.
  if (decision.stop) removePromise(paths.promiseFile);
  // A copy found by its environment goes on record (by `decide`), so that the stop (or the tick) reaches it as the program.
  const how = `${config.stopSignal}, SIGKILL after ${formatDuration(config.killAfterMs)}`;
  const event: TickEvent = { kind: 'lease-answered', role: decision, found: copy?.found ?? null, how, ...(manualStart ? { start: true as const } : {}) };
  const go = leaseGo(decision, { name: paths.name, leaseName: lease.name, hostId: host.id, needMs: lease.timeoutMs + config.killAfterMs, manualStart });
  return { event, go };
}
