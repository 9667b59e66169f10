// --status --format prometheus: the status views in the Prometheus text exposition format
// (version 0.0.4), for node_exporter's textfile collector. Pure: rows in, text out.

import type { StatusJson, StatusState } from './status-view.js';

/** Every state a program can be in, one 0/1 series each, so that a query never meets a missing series. */
export const STATES: readonly StatusState[] = ['running', 'held', 'stopped', 'crashed', 'backoff', 'fatal', 'misconfigured', 'unknown'];

/** One program's row, with what only the metrics add (resident memory of a running program). */
export interface MetricsRow {
  status: StatusJson;
  /** Resident set size of the verified running PID, when it could be read. */
  memoryBytes?: number | null;
}

interface Family {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  /** The samples of one row: extra labels and a value; none when the fact is unknown. */
  samples(row: MetricsRow): { labels?: Record<string, string>; value: number }[];
}

const seconds = (isoText: string | null | undefined): number | null => (isoText ? Date.parse(isoText) / 1000 : null);
const one = (value: number | null | undefined) => (value === null || value === undefined || !Number.isFinite(value) ? [] : [{ value }]);

/** The families, in the order they are printed; names follow Prometheus' conventions (base units, _total counters). */
const FAMILIES: Family[] = [
  {
    name: 'up',
    type: 'gauge',
    help: '1 when the program runs with its identity verified, else 0.',
    samples: (r) => one(r.status.state === 'running' && r.status.verified ? 1 : 0),
  },
  {
    name: 'state',
    type: 'gauge',
    help: 'The state --status reports: 1 for the current one, 0 for the others.',
    samples: (r) => STATES.map((state) => ({ labels: { state }, value: r.status.state === state ? 1 : 0 })),
  },
  { name: 'uptime_seconds', type: 'gauge', help: 'How long the running program has been up.', samples: (r) => one(r.status.uptimeSeconds) },
  {
    name: 'start_time_seconds',
    type: 'gauge',
    help: 'When the running program was launched, as a Unix time.',
    samples: (r) => one(seconds(r.status.startedAt)),
  },
  { name: 'launches_total', type: 'counter', help: 'Launches on record since the records began.', samples: (r) => one(r.status.launches) },
  {
    name: 'failed_starts',
    type: 'gauge',
    help: 'Failed starts in a row (reset by a start that passes its window).',
    samples: (r) => one(r.status.failedStarts),
  },
  {
    name: 'recent_deaths',
    type: 'gauge',
    help: 'Deaths counted by the crash-loop rules (cleared by a run past --min-uptime).',
    samples: (r) => one(r.status.recentDeaths),
  },
  { name: 'last_exit_code', type: 'gauge', help: 'Exit code of the last death, when the check saw it.', samples: (r) => one(r.status.lastExit?.code) },
  {
    name: 'last_exit_signal',
    type: 'gauge',
    help: 'The signal that ended the last death (1, labelled with its name), when a check or the waiter (--respawn) saw it.',
    samples: (r) => (r.status.lastExit?.signal ? [{ labels: { signal: r.status.lastExit.signal }, value: 1 }] : []),
  },
  {
    name: 'last_exit_timestamp_seconds',
    type: 'gauge',
    help: 'When the last death was recorded, as a Unix time.',
    samples: (r) => one(seconds(r.status.lastExit?.at)),
  },
  {
    name: 'last_check_timestamp_seconds',
    type: 'gauge',
    help: 'When a check last ran (a full one, or one answered by the quiet promise), as a Unix time.',
    samples: (r) => one(seconds(r.status.checks?.lastCheck ?? r.status.lastCheck)),
  },
  {
    name: 'checks_overdue',
    type: 'gauge',
    help: '1 when checks stopped arriving on the declared --schedule or --interval.',
    samples: (r) => (r.status.checks ? one(r.status.checks.overdue ? 1 : 0) : []),
  },
  { name: 'health_failures', type: 'gauge', help: 'Failed health probes in a row.', samples: (r) => one(r.status.health?.healthFailures ?? 0) },
  {
    name: 'lease_holder',
    type: 'gauge',
    help: 'With --lease: 1 when this host held the lease at its last check, else 0 (one holder in all: sum by (name) (ensure_running_lease_holder) == 1).',
    samples: (r) => (r.status.lease ? one(r.status.lease.role === 'holder' ? 1 : 0) : []),
  },
  {
    name: 'lease_token',
    type: 'gauge',
    help: "With --lease: the lease's fencing token as this host's last check saw it.",
    samples: (r) => one(r.status.lease?.token ? Number(r.status.lease.token) : null),
  },
  {
    name: 'lease_expiry_timestamp_seconds',
    type: 'gauge',
    help: "With --lease: when the lease runs out unless renewed, by the store's clock as its last answer said, as a Unix time.",
    samples: (r) => one(seconds(r.status.lease?.expiresAt)),
  },
  { name: 'memory_resident_bytes', type: 'gauge', help: 'Resident memory of the running program, when it could be read.', samples: (r) => one(r.memoryBytes) },
];

/** The metric name prefix: every series is ensure_running_*. */
export const PREFIX = 'ensure_running_';

/** A label value escaped as the exposition format says: backslash, double quote and line feed. */
export function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

/** HELP text escaped as the exposition format says: backslash and line feed. */
function escapeHelp(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

/** A sample value: integers as such, others in full precision. */
function number(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
}

/** The exposition text of every row: HELP and TYPE once per family, one sample per program (and label). */
export function prometheusText(rows: MetricsRow[]): string {
  const lines: string[] = [];
  for (const family of FAMILIES) {
    const name = `${PREFIX}${family.name}`;
    const samples: string[] = [];
    for (const row of rows) {
      for (const sample of family.samples(row)) {
        const labels = { name: row.status.name, pid_file: row.status.pidFile, ...sample.labels };
        const text = Object.entries(labels)
          .map(([key, value]) => `${key}="${escapeLabel(value)}"`)
          .join(',');
        samples.push(`${name}{${text}} ${number(sample.value)}`);
      }
    }
    if (samples.length === 0) continue;
    lines.push(`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.type}`, ...samples);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
