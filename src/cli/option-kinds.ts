// The kinds of option values (durations, counts, sizes, signals, cron expressions, URLs,
// KEY=VALUE pairs): how a given text becomes a value, and how a default is shown in --help.
// Every refusal is an OptionError naming the option, so that a caller that did not read the
// value from argv (a configuration file) can say where it came from instead.

import { parseDurationMs, parseSizeBytes } from '../core/duration.js';
import { cronShapeError } from '../core/cron-text.js';
import { UsageError } from '../errors.js';

/** A value refused for one option: `option` without dashes, `value` as given, `problem` in words. */
export class OptionError extends UsageError {
  readonly option: string;
  readonly value: string;
  readonly problem: string;
  /** `message` defaults to: --option "value" problem. */
  constructor(option: string, value: string, problem: string, message = `--${option} ${JSON.stringify(value)} ${problem}`) {
    super(message);
    this.name = 'OptionError';
    this.option = option;
    this.value = value;
    this.problem = problem;
  }
}

/** One kind of value: `parse` reads a given text for option `name`; `show` writes a default for --help. */
export interface ValueKind<T> {
  parse(text: string, name: string): T;
  show(value: T): string;
}

const UNITS: [number, string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1000, 's'],
];

/** A duration in the largest unit that holds it exactly, so that it parses back to the same value. */
export function showDurationMs(ms: number): string {
  for (const [size, unit] of UNITS) if (ms > 0 && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

const DURATION_HINT = 'use a number of seconds or a number with ms, s, m, h or d';

/** A duration of 0 or more, in ms. */
export const duration: ValueKind<number> = {
  parse(text, name) {
    const ms = parseDurationMs(text);
    if (ms === null) throw new OptionError(name, text, `is not a duration; ${DURATION_HINT} (e.g. 10s, 5m), at most 24d`);
    return ms;
  },
  show: showDurationMs,
};

/** A duration above zero, in ms. */
export const positiveDuration: ValueKind<number> = {
  parse(text, name) {
    const ms = parseDurationMs(text);
    if (ms === null || ms <= 0) throw new OptionError(name, text, `is not a duration above zero; ${DURATION_HINT} (e.g. 60s, 2m), at most 24d`);
    return ms;
  },
  show: showDurationMs,
};

/** A duration above zero, refused as any duration when it is not one (--interval). */
export const nonZeroDuration: ValueKind<number> = {
  parse: (text, name) => (duration.parse(text, name) > 0 ? duration.parse(text, name) : positiveDuration.parse(text, name)),
  show: showDurationMs,
};

/** A duration, or "off" (null); 0 is off too. */
export const durationOrOff: ValueKind<number | null> = {
  parse(text, name) {
    if (text === 'off') return null;
    const ms = duration.parse(text, name);
    return ms > 0 ? ms : null;
  },
  show: (ms) => (ms === null ? 'off' : showDurationMs(ms)),
};

/** A count of 1 or more, without leading zeros. */
export const count: ValueKind<number> = {
  parse(text, name) {
    if (!/^[1-9][0-9]{0,5}$/.test(text)) throw new OptionError(name, text, 'must be a whole number of 1 or more');
    return Number(text);
  },
  show: String,
};

/** A whole number of `min` or more. */
export function whole(min: number): ValueKind<number> {
  return {
    parse(text, name) {
      if (!/^[0-9]{1,6}$/.test(text) || Number(text) < min) throw new OptionError(name, text, `must be a whole number of ${min} or more`);
      return Number(text);
    },
    show: String,
  };
}

/** A size of 1k or more, in bytes. */
export const size: ValueKind<number> = {
  parse(text, name) {
    const bytes = parseSizeBytes(text);
    if (bytes === null || bytes < 1024) throw new OptionError(name, text, 'is not a size of 1k or more; use bytes or a number with k, M or G (e.g. 10M)');
    return bytes;
  },
  show: String,
};

/** The stop signals; every name is a POSIX signal, so node:os stays off the cron path. */
export const STOP_SIGNALS = ['TERM', 'INT', 'HUP', 'QUIT', 'USR1', 'USR2', 'KILL'];

/** A stop signal, with or without SIG, in any case. */
export const signal: ValueKind<NodeJS.Signals> = {
  parse(text, name) {
    const bare = text.toUpperCase().replace(/^SIG/, '');
    if (!STOP_SIGNALS.includes(bare)) throw new OptionError(name, text, `is not a stop signal; use one of ${STOP_SIGNALS.join(', ')}`);
    return `SIG${bare}` as NodeJS.Signals;
  },
  show: (value) => value.replace(/^SIG/, ''),
};

/** A cron expression, shape-checked only: cron-parser checks the fields lazily (src/cli/schedules.ts). */
export const cron: ValueKind<string> = {
  parse(text, name) {
    const problem = cronShapeError(text);
    if (problem) throw new OptionError(name, text, problem);
    return text;
  },
  show: String,
};

/** An http or https URL without credentials. */
export const httpUrl: ValueKind<string> = {
  parse(text, name) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new OptionError(name, text, 'is not a URL; give a full one such as http://127.0.0.1:8080/health');
    }
    const shown = `--${name} ${JSON.stringify(text)}`;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      const problem = `the scheme ${JSON.stringify(url.protocol.replace(/:$/, ''))} is not supported; use http or https`;
      throw new OptionError(name, text, problem, `${shown}: ${problem}`);
    }
    if (!url.hostname) throw new OptionError(name, text, 'has no host; give one such as http://127.0.0.1:8080/health');
    if (url.username || url.password) {
      const problem = 'credentials in the URL would be stored in the crontab and the state file; use an unauthenticated endpoint';
      throw new OptionError(
        name,
        text,
        problem,
        `${shown}: credentials in the URL would be stored in the crontab and the state file; use an unauthenticated health endpoint`,
      );
    }
    return url.href;
  },
  show: String,
};

/** Text taken as given (a path, a time zone); paths are resolved by the settings. */
export const text: ValueKind<string> = { parse: (value) => value, show: String };

/** Repeated KEY=VALUE items, as pairs. */
export const pairs: ValueKind<Record<string, string>> = {
  parse(item, name) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new OptionError(name, item, 'must be KEY=VALUE');
    return { [item.slice(0, eq)]: item.slice(eq + 1) };
  },
  show: (value) =>
    Object.entries(value)
      .map(([key, v]) => `${key}=${v}`)
      .join(' '),
};
