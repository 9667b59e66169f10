// The phase × event table: every change of a program's state goes through `decide`
// (src/core/tick.ts), and `decide` goes through this table and nothing else. A cell names the
// edge that an event takes from a phase and holds that edge's handler (src/core/edges.ts), which
// decides it (s6's actions[state][event], supervisord's transition()); a cell that is null is a
// combination that cannot happen, and `decide` refuses it aloud.
// test/unit/machine.test.ts covers every cell.

import { HANDLERS, type Handler } from './edges.js';
import type { Edge, EdgeEvent, EventKind } from './events.js';
import type { Phase } from './phase.js';

export type { Edge, EdgeEvent, EventKind } from './events.js';

/** The edges that take events of kind `K`. */
type EdgeFor<K extends EventKind> = { [E in Edge]: EdgeEvent[E] extends K ? E : never }[Edge];

/** A cell of the table: the edge an event takes from a phase, and the handler that decides it. */
export interface Cell<K extends EventKind = EventKind> {
  edge: EdgeFor<K>;
  decide: Handler<K>;
}

const PHASES: readonly Phase[] = ['starting', 'held', 'fatal', 'backoff', 'running', 'stopped'];

/** One event's column: its edge from every phase, except those listed in `never` (null cells). */
function column<E extends Edge>(edge: E, never: readonly Phase[] = []): Record<Phase, E | null> {
  // A plain loop: this runs at every start, and cold array callbacks cost more than the table is worth.
  const cells = {} as Record<Phase, E | null>;
  for (const phase of PHASES) cells[phase] = never.includes(phase) ? null : edge;
  return cells;
}

/** The columns of the table, one per event kind, each naming only edges of its kind; why a cell is null is said beside it. */
const COLUMNS: { [K in EventKind]: Record<Phase, EdgeFor<K> | null> } = {
  observed: { ...column('check'), starting: 'settle-interrupted-launch' },
  // Decided from the state recorded at the spawn: a process on record (never STOPPED), no
  // pending token (never STARTING), and a held program is never launched.
  launched: column('judge-launch', ['starting', 'held', 'stopped']),
  // The run's identity is off record once a health rule ends it (never RUNNING); health is not judged while held or starting.
  'run-ended': column('after-run-ended', ['starting', 'held', 'running']),
  // Decided from the state a launch was asked from: nothing on record runs, none is pending, and a held program is never launched.
  'launch-refused': column('refuse-launch', ['starting', 'held', 'running']),
  start: column('clear-for-start'),
  // A stop looks, and stops what it saw, from whatever phase the records are in.
  stop: column('ask-stop'),
  'stop-observed': column('aim-stop'),
  stopped: column('record-stop'),
  // Observed once a check's decision is performed, and a check always settles a pending launch first (never STARTING).
  duties: column('record-duties', ['starting']),
  // --reload looks, and aims at what it saw, from whatever phase the records are in.
  reload: column('ask-reload'),
  'reload-observed': column('aim-reload'),
  // A reload signals only a verified process on record.
  reloaded: column('record-reload', ['stopped']),
  // Asked from whatever phase the records are in: the lease is this host's or not, whatever runs here.
  release: column('ask-release'),
  released: column('record-release'),
  // Asked before a manual stop or start looks at the program, from whatever phase the records are in.
  'lease-held': column('record-hold'),
  // Asked before the check observes, from whatever phase the records are in.
  'lease-answered': column('take-lease-role'),
};

/** The cell of `edge`: its name and its handler. */
function cell<K extends EventKind>(edge: EdgeFor<K>): Cell<K> {
  // Each edge's handler takes the kind of event of the column that names it (COLUMNS and HANDLERS are typed so).
  return { edge, decide: HANDLERS[edge] as unknown as Handler<K> };
}

/** One phase's row of the table: the cell of each event from it, or null where it cannot happen. */
type Row = { [K in EventKind]: Cell<K> | null };

function rowOf(phase: Phase): Row {
  return Object.fromEntries(Object.entries(COLUMNS).map(([kind, cells]) => [kind, cells[phase] === null ? null : cell(cells[phase])])) as Row;
}

/** The table, phase by phase, made when asked for (the tests'): a check makes only the cells it decides by (`cellOf`). */
export function machineTable(): Record<Phase, Row> {
  return Object.fromEntries(PHASES.map((phase) => [phase, rowOf(phase)])) as Record<Phase, Row>;
}

/** The cell of `kind` from `phase`; a combination the table has no edge for is an error of the program itself, never decided. */
export function cellOf<K extends EventKind>(phase: Phase, kind: K): Cell<K> {
  // The one cell asked for: a check decides once or twice, and a whole row was 17 cells made for it.
  const edge: EdgeFor<K> | null = COLUMNS[kind][phase];
  if (edge === null) throw new Error(`internal error: no edge from phase ${phase} on event ${kind} (src/core/machine.ts)`);
  return cell(edge);
}
