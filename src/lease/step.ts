// The check's lease step (--lease), under the check's lock, before it observes and decides:
// one store call (acquire or renew), the role decided by src/core/lease-role.ts, the copy
// here stopped when this host must not run it (standby, step-down, held everywhere, or a
// restart under a new fencing token): a `stop` effect that the check's executor performs.
// A holder's check then goes on as usual, with the token in the program's environment; any
// other host's check ends here.

import { emptyLeaseRecord, hostText, type LeaseRecord } from '../core/lease-record.js';
import { decideLease, type StoreAnswer } from '../core/lease-role.js';
import { emptyState, type Identity, type ProgramState } from '../core/state.js';
import { EXIT } from '../errors.js';
import { observe, userOf } from '../os/observe.js';
import { pausepoint } from '../os/failpoint.js';
import { fencingTokenOf } from '../os/orphan.js';
import { bootId } from '../os/proc-identity.js';
import { register } from '../os/registry.js';
import { writeStateFile } from '../os/state-file.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';
import { leaseTransitions, withLines, type Transition } from '../core/transition.js';
import { leaseHost } from './host.js';
import { openStore, StoreError, type LeaseHost, type LeaseOptions } from './lease.js';

/** Milliseconds on CLOCK_MONOTONIC, which every process of one boot shares: wall-clock steps do not move it. */
export const monoMs = (): number => Number(process.hrtime.bigint() / 1_000_000n);

/** The check goes on (this host holds the lease) with these records and configuration, or ends with `code`. */
export type LeaseStep =
  | { idle: true; code: number }
  | {
      idle: false;
      config: ProgramConfig;
      /** The records as now on file, and as the check should start from. */
      loaded: ProgramState | null;
      state: ProgramState;
      /** Puts the token of a copy launched by this check on record, before the save. */
      settle(state: ProgramState): ProgramState;
    };

/** What the lease asks the check to do before it goes on: stop the copy here, said in one line headed by `head`. */
export type LeaseEffect = { kind: 'stop'; head: string };

/**
 * The role decided: the effects to perform first (with `state`, the records with the new lease
 * record, on file before them), then `after` with the records as they are after them.
 */
export type LeaseAsked =
  | { decided: false; step: LeaseStep }
  | {
      decided: true;
      effects: LeaseEffect[];
      /** The lease's changes of role and of the store's health (src/core/transition.ts), and its lines as notices: the check says them. */
      transitions: Transition[];
      state: ProgramState;
      after(onFile: ProgramState | null, state: ProgramState): LeaseStep;
    };

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
      const store = await openStore({ ...lease, timeoutMs: Math.max(1, leftMs) });
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

/** Writes the records when they changed. */
function save(path: string, before: ProgramState | null, state: ProgramState): void {
  if (!before || JSON.stringify(before) !== JSON.stringify(state)) writeStateFile(path, state);
}

/**
 * The lease step of one check. `manualStart`: --start, which clears a local hold, so it is
 * not one here. Returns the role's effects and what follows them: whether the check goes on, and with what.
 */
export async function leaseStep(config: ProgramConfig, world: World, loaded: ProgramState | null, manualStart: boolean): Promise<LeaseAsked> {
  const lease = config.lease!;
  const { paths } = config;
  const base = loaded ?? emptyState();
  // Held here by a --stop without --lease: this host does not take the lease, which another can then hold.
  if (base.held && !manualStart) return { decided: false, step: { idle: true, code: EXIT.ok } };
  const record = recordOf(loaded, lease);
  const host = leaseHost(lease.hostId, config.registryDir);
  const copy = copyHere(config, base, record, loaded === null);
  const running = copy && { pid: copy.pid, token: copy.token };
  const asked = await ask(lease, host, highestToken(record));
  const { answer, askedMonoMs } = asked;
  // The fault suite's pause: a check that stands still right after the store answered.
  pausepoint('lease-answered');
  const clock = { now: world.now(), bootId: bootId(), askedMonoMs, monoMs: monoMs() };
  await asked.close();
  const rules = {
    name: paths.name,
    leaseName: lease.name,
    intervalMs: config.policy.periodMs,
    ttlMs: lease.ttlMs,
    timeoutMs: lease.timeoutMs,
    stopMs: config.killAfterMs,
  };
  const decision = decideLease({ record, answer, me: host, running, clock, rules });
  // A copy found by its environment goes on record, so that the stop (or the tick) reaches it as the program.
  const state: ProgramState = { ...base, ...(copy?.found ? { identity: copy.found, pending: null } : {}), lease: decision.record };
  const effects: LeaseEffect[] = decision.stop ? [{ kind: 'stop', head: decision.stop }] : [];
  // The role's lines are said by the check as it collects these transitions: notices beside the changes of role and store.
  const said = decision.lines.map((text) => ({ text, of: 'notice' as const }));
  const transitions = withLines(leaseTransitions(state, loaded?.lease, decision.record, clock.now), said, state, clock.now);
  return { decided: true, effects, transitions, state, after: (onFile, now) => goOn(config, world, decision, host, manualStart, onFile, now) };
}

/** After the role's effects: a standby's check ends (its role on record); a holder's goes on with the token in the program's environment. */
function goOn(
  config: ProgramConfig,
  world: World,
  decision: ReturnType<typeof decideLease>,
  host: LeaseHost,
  manualStart: boolean,
  onFile: ProgramState | null,
  state: ProgramState,
): LeaseStep {
  const lease = config.lease!;
  const { paths } = config;
  if (decision.go.kind === 'idle') {
    // A standby's check is a check: --status shows it as the last one, and the next one from it.
    save(paths.stateFile, onFile, { ...state, lastCheckMs: world.now() });
    // A standby is listed by a bare --status too (its role is on record).
    register(config.registryDir, { name: paths.name, pidFile: paths.pidFile, stateFile: paths.stateFile });
    // --start by hand on a standby host: a person asked, so the silence of a standby would mislead.
    const seen = decision.record.seen;
    // --restart while the program is held on every host: a person asked, so the hold is said.
    if (manualStart && seen?.heldBy && decision.record.role === 'holder' && !decision.stop)
      world.say(`${paths.name}: held stopped on every host (--stop on host ${seen.heldBy}): not started; --start with --lease on any host clears that`);
    if (manualStart && decision.record.role === 'standby' && !decision.stop && decision.lines.length === 0 && seen) {
      world.say(`${paths.name}: standby: lease ${lease.name} is held by ${hostText(seen.holder, seen.hostname)} (token ${seen.token}); the program runs there`);
    }
    return { idle: true, code: decision.go.code };
  }
  const token = decision.go.token;
  // Checked again right before a spawn (src/commands/executor.ts): a check that stood still since must not launch.
  const renewed = decision.record.renewed;
  const leaseLaunch = renewed
    ? { untilMonoMs: renewed.monoMs + renewed.ttlMs, needMs: lease.timeoutMs + config.killAfterMs, leaseName: lease.name }
    : undefined;
  const extraEnv = { ...config.extraEnv, ENSURE_RUNNING_FENCING_TOKEN: token, ENSURE_RUNNING_LEASE_NAME: lease.name, ENSURE_RUNNING_HOST_ID: host.id };
  const settle = (after: ProgramState): ProgramState => {
    const kept = after.lease;
    if (!after.identity || !kept || kept.ranWith?.launch === after.identity.token) return after;
    return { ...after, lease: { ...kept, ranWith: { launch: after.identity.token, token } } };
  };
  return { idle: false, config: { ...config, extraEnv, ...(leaseLaunch ? { leaseLaunch } : {}) }, loaded: onFile, state, settle };
}
