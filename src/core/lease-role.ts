// The lease's part of a check (--lease), as one pure decision: from the store's answer (or
// its silence), the record of the last check and what runs here, this host's role, whether
// its own copy must be stopped first, and whether the check goes on to guard the program.
// The step-down rule is Patroni's, counted in checks: a holder that cannot renew keeps its
// program only while its lease surely outlives the next check plus a stop.

import { sayOnce } from './said-once.js';
import { formatDuration } from './duration.js';
import { hostText, type LeaseRecord, type LeaseView } from './lease-record.js';

/** What one store call gave: the lease (and whether this host holds it now), or an error. */
export type StoreAnswer =
  /** `raisedFrom`: the store's token counter was found below the highest token this host had recorded, and raised past it. */
  | { kind: 'ok'; view: LeaseView; mine: boolean; raisedFrom?: string | null }
  /** `config`: the store refused us (password, database, permission), not a passing outage. */
  | { kind: 'error'; text: string; config: boolean };

/** The times of one check: the wall clock for lines, the monotonic clock of this boot for the lease. */
export interface LeaseClock {
  now: number;
  bootId: string | null;
  /** Monotonic milliseconds when the store was asked, and now (after its answer or its timeout). */
  askedMonoMs: number;
  monoMs: number;
}

export interface LeaseRules {
  /** The program's name, to start lines with. */
  name: string;
  leaseName: string;
  intervalMs: number;
  ttlMs: number;
  /** How long one store call may take (--lease-timeout), and one stop (--kill-after). */
  timeoutMs: number;
  stopMs: number;
}

export interface LeaseInput {
  record: LeaseRecord;
  answer: StoreAnswer;
  /** This host: its id, hostname, and machine (hostname and boot id), which tells two machines under one id apart. */
  me: { id: string; hostname: string; instance?: string };
  /** The copy running here, with the fencing token it was launched with (null: unknown, an old launch). */
  running: { pid: number; token: string | null } | null;
  clock: LeaseClock;
  rules: LeaseRules;
}

export interface LeaseDecision {
  record: LeaseRecord;
  /** Stop the copy running here first, with this line's head (the stop adds how it went). */
  stop: string | null;
  /** Lines to say (besides a stop's). */
  lines: string[];
  /** Go on with the check under this token, or stay idle: exit with `code`, launch nothing. */
  go: { kind: 'run'; token: string } | { kind: 'idle'; code: 0 | 1 | 2 };
}

/**
 * How a check goes on once the lease's role is decided and its copy stopped (if it had to be):
 * idle (a standby, or a host that stepped down), with its exit code and the lines a manual
 * start says of it; or guarding the program, with the lease's variables in its environment and
 * the time the lease is surely this host's, checked again right before a spawn.
 */
export type LeaseGo =
  | { kind: 'idle'; code: 0 | 1 | 2; say: string[] }
  | { kind: 'run'; token: string; env: Record<string, string>; launch?: { untilMonoMs: number; needMs: number; leaseName: string } };

/** A holder that cannot renew steps down when less than this is left: one interval, one store call and one stop. */
export function stepDownMarginMs(rules: Pick<LeaseRules, 'intervalMs' | 'timeoutMs' | 'stopMs'>): number {
  return rules.intervalMs + rules.timeoutMs + rules.stopMs;
}

/** How long the lease is surely still ours, on the monotonic clock; null when not known on this boot. */
export function surelyOursMs(record: LeaseRecord, clock: LeaseClock): number | null {
  const renewed = record.renewed;
  if (record.role !== 'holder' || !renewed || clock.bootId === null || renewed.bootId !== clock.bootId) return null;
  // Never more than the TTL: a monotonic clock that went back (or a record from the future) promises nothing longer.
  return Math.min(renewed.monoMs + renewed.ttlMs - clock.monoMs, renewed.ttlMs);
}

function viewHost(view: LeaseView): string {
  return hostText(view.holder, view.hostname);
}

/** Whether two machines as the store records them ("HOSTNAME boot BOOT-ID") are one hostname under two boots: a reboot. */
export function rebootedHere(recorded: string, mine: string): boolean {
  const split = (instance: string) => {
    const at = instance.lastIndexOf(' boot ');
    return at < 0 ? null : { hostname: instance.slice(0, at), boot: instance.slice(at + 6) };
  };
  const [a, b] = [split(recorded), split(mine)];
  return !!a && !!b && a.hostname === b.hostname && a.boot !== b.boot;
}

/** The store answered: holder or standby, one line when the role changes. */
function decideAnswered(input: LeaseInput, view: LeaseView, mine: boolean): LeaseDecision {
  const { record, running, clock, rules } = input;
  const { name, leaseName } = rules;
  const lines: string[] = [];
  const back = record.trouble !== null;
  // Who held it before this call took it is said, not recorded.
  const { previous, ...shown } = view;
  const seen = { seen: shown, seenAtMs: clock.now, trouble: null };
  const me = input.me;
  if (!mine && view.holder === me.id && me.instance && view.instance && view.instance !== me.instance) {
    // Another machine renews under this host's id: it keeps the program, this one never runs a copy beside it.
    // The same hostname under another boot id is, most likely, this host before a reboot: its old lease runs out within a TTL.
    const text = rebootedHere(view.instance, me.instance)
      ? `${name}: lease ${leaseName} is still held by this host's previous boot (${view.instance}; this is ${me.instance}): ` +
        `this host rebooted while it held the lease; waiting for that lease to run out (within --lease-ttl ${formatDuration(rules.ttlMs)}), ` +
        `then taking it under a new token; if it is renewed beyond that, another machine with this hostname shares the id: give each its own --host-id`
      : `${name}: lease ${leaseName} is held under this host's id ${me.id} by another machine or boot (${view.instance}; this is ${me.instance}): ` +
        `two machines share the id (a shared or cloned home keeps one host-id file); give each machine its own --host-id ` +
        `(or ENSURE_RUNNING_HOST_ID); the program does not run here while the other holds it`;
    const { said, say } = sayOnce(record.clash, text, clock.now);
    const next: LeaseRecord = { ...record, ...seen, role: 'standby', renewed: null, clash: said };
    if (running) return { record: next, stop: `${text}; stopping the copy here`, lines, go: { kind: 'idle', code: 0 } };
    return { record: next, stop: null, lines: say ? [text] : [], go: { kind: 'idle', code: 0 } };
  }
  if (!mine) {
    const next: LeaseRecord = { ...record, ...seen, role: 'standby', renewed: null, clash: null };
    const lost = `${name}: lease ${leaseName} is held by ${viewHost(view)} (token ${view.token})`;
    if (running) return { record: next, stop: `${lost}; stopping the copy here`, lines, go: { kind: 'idle', code: 0 } };
    if (record.role === 'holder') lines.push(`${lost}: lost it, nothing ran here`);
    else if (back) lines.push(`${name}: lease store answers again; standby, ${lost.slice(name.length + 2)}`);
    return { record: next, stop: null, lines, go: { kind: 'idle', code: 0 } };
  }
  const renewed = clock.bootId === null ? null : { bootId: clock.bootId, monoMs: clock.askedMonoMs, ttlMs: rules.ttlMs };
  let next: LeaseRecord = { ...record, ...seen, role: 'holder', renewed };
  if (view.clash && view.clash !== me.instance) {
    const text =
      `${name}: another machine (${view.clash}) asks for lease ${leaseName} under this host's id ${me.id}: two machines share the id ` +
      `(a shared or cloned home keeps one host-id file); give each machine its own --host-id (or ENSURE_RUNNING_HOST_ID); ` +
      'the program keeps running here only';
    const { said, say } = sayOnce(record.clash, text, clock.now);
    next = { ...next, clash: said };
    if (say) lines.push(text);
  } else if (record.clash) next = { ...next, clash: null };
  const before = record.seen;
  if (record.role !== 'holder' || before?.token !== view.token) {
    // The store's last holder first: this host's records may still name itself (it held the lease, another took it between two of its checks).
    const other = previous?.holder && previous.holder !== me.id ? previous : before?.holder && before.holder !== me.id ? before : null;
    const from = other ? ` from ${hostText(other.holder, other.hostname)}` : '';
    const took = from ? `took over lease ${leaseName}${from}` : `holding lease ${leaseName}`;
    lines.push(`${name}: ${back ? 'lease store answers again; ' : ''}${took} (token ${view.token}) as ${hostText(input.me.id, input.me.hostname)}`);
  } else if (back) lines.push(`${name}: lease store answers again; still holding lease ${leaseName} (token ${view.token})`);
  if (view.heldBy !== null) {
    const held = `${name}: held stopped on every host (--stop on host ${view.heldBy}); stopping the copy here`;
    return { record: next, stop: running ? held : null, lines, go: { kind: 'idle', code: 0 } };
  }
  if (running && running.token !== view.token) {
    // The lease was lost and won again (or the copy predates --lease): another host may have run in between.
    const was = running.token === null ? 'no known fencing token' : `fencing token ${running.token}`;
    return {
      record: next,
      stop: `${name}: pid ${running.pid} runs under ${was}, the lease's token is now ${view.token}; restarting it`,
      lines,
      go: { kind: 'run', token: view.token },
    };
  }
  return { record: next, stop: null, lines, go: { kind: 'run', token: view.token } };
}

/** The store did not answer: a holder keeps its copy while the lease surely outlives the next check, a standby stays idle. */
function decideUnanswered(input: LeaseInput, text: string, config: boolean): LeaseDecision {
  const { record, running, clock, rules } = input;
  const { name, leaseName } = rules;
  const { said, say } = sayOnce(record.trouble, text, clock.now);
  const left = surelyOursMs(record, clock);
  const margin = stepDownMarginMs(rules);
  const token = record.seen?.token;
  if (left !== null && token !== undefined && left >= margin) {
    const line =
      `${name}: lease store unreachable (${text}); keeping the program: lease ${leaseName} is ours for ${formatDuration(left)} ` +
      `more, the copy here is stopped if the store still does not answer ${formatDuration(left - margin)} from now`;
    return { record: { ...record, trouble: said }, stop: null, lines: say ? [line] : [], go: { kind: 'run', token } };
  }
  const next: LeaseRecord = { ...record, role: 'unknown', renewed: null, trouble: said };
  const code = config ? 2 : 1;
  if (left !== null) {
    // Stepping down is a change of role: said even when the store's trouble was said before.
    const head = `${name}: lease store unreachable (${text}); stepping down before lease ${leaseName} can run out (${formatDuration(Math.max(0, left))} left)`;
    return { record: next, stop: running ? `${head}: stopping the copy here` : null, lines: running ? [] : [head], go: { kind: 'idle', code } };
  }
  // A refusal (password, database, grants) is not an outage: said as what it is, and what fixes it.
  const line = config
    ? `${name}: lease store refused this host (${text}); the program does not run here until the URL, password or grants are fixed`
    : `${name}: lease store unreachable (${text}); the program does not run here until it answers`;
  if (running) return { record: next, stop: `${line}: stopping the copy here`, lines: [], go: { kind: 'idle', code } };
  return { record: next, stop: null, lines: say ? [line] : [], go: { kind: 'idle', code } };
}

/** Decides the lease's part of one check. Pure: the store's answer, the clocks and the local copy come in as data. */
export function decideLease(input: LeaseInput): LeaseDecision {
  const { answer, clock, rules } = input;
  // An answer that came (or was read) later than --lease-timeout after its request is stale: the lease may have changed hands since.
  const tookMs = clock.monoMs - clock.askedMonoMs;
  if (answer.kind === 'ok' && tookMs > rules.timeoutMs)
    return decideUnanswered(
      input,
      `its answer came ${formatDuration(tookMs)} after the request, later than --lease-timeout ${formatDuration(rules.timeoutMs)}: counted as no answer`,
      false,
    );
  if (answer.kind === 'ok') {
    const decision = decideAnswered(input, answer.view, answer.mine);
    if (!answer.raisedFrom) return decision;
    // Said once: the counter is past the floor from now on.
    const floor = [input.record.seen?.token, input.record.ranWith?.token]
      .filter((t): t is string => t !== undefined)
      .sort((a, b) => (BigInt(a) < BigInt(b) ? 1 : -1))[0];
    const drop =
      `${input.rules.name}: lease ${input.rules.leaseName}: the store's fencing token counter went back to ${answer.raisedFrom}, below token ${floor ?? '?'} ` +
      'this host recorded (the store lost its data: a Redis without persistence restarted, or a restored database); raised past it';
    return { ...decision, lines: [drop, ...decision.lines] };
  }
  return decideUnanswered(input, answer.text, answer.config);
}

/**
 * How a check goes on once `decision` is performed: a standby's ends (with what a manual start,
 * `manualStart`, says of it); a holder's goes on with the token in the program's environment,
 * and the time the lease is surely this host's, for a spawn that needs `needMs` of it.
 */
export function leaseGo(decision: LeaseDecision, facts: { name: string; leaseName: string; hostId: string; needMs: number; manualStart: boolean }): LeaseGo {
  const { name, leaseName, manualStart } = facts;
  if (decision.go.kind === 'idle') {
    const say: string[] = [];
    // --start by hand on a standby host: a person asked, so the silence of a standby would mislead.
    const seen = decision.record.seen;
    // --restart while the program is held on every host: a person asked, so the hold is said.
    if (manualStart && seen?.heldBy && decision.record.role === 'holder' && !decision.stop)
      say.push(`${name}: held stopped on every host (--stop on host ${seen.heldBy}): not started; --start with --lease on any host clears that`);
    if (manualStart && decision.record.role === 'standby' && !decision.stop && decision.lines.length === 0 && seen) {
      say.push(`${name}: standby: lease ${leaseName} is held by ${hostText(seen.holder, seen.hostname)} (token ${seen.token}); the program runs there`);
    }
    return { kind: 'idle', code: decision.go.code, say };
  }
  const token = decision.go.token;
  // Checked again right before a spawn (src/commands/executor.ts): a check that stood still since must not launch.
  const renewed = decision.record.renewed;
  const launch = renewed ? { untilMonoMs: renewed.monoMs + renewed.ttlMs, needMs: facts.needMs, leaseName } : undefined;
  const env = { ENSURE_RUNNING_FENCING_TOKEN: token, ENSURE_RUNNING_LEASE_NAME: leaseName, ENSURE_RUNNING_HOST_ID: facts.hostId };
  return { kind: 'run', token, env, ...(launch ? { launch } : {}) };
}
