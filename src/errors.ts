// The typed errors of ensure-running itself. The target's trouble is a state, never one of these.

/** Exit codes of every call, as documented in the README. */
export const EXIT = {
  ok: 0,
  notRunning: 1,
  usage: 2,
  statusNotRunning: 3,
  unknown: 4,
} as const;

export interface ErrorFields {
  /** What ensure-running was doing: "read the PID file", "launch the program". */
  action: string;
  /** The path, PID or command involved. */
  subject?: string;
  /** The OS error code (ENOENT, EACCES, ...) when there is one. */
  code?: string;
  /** Why, in words, when the code alone does not say it. */
  reason?: string;
  /** One concrete next step for the operator. */
  hint?: string;
}

/** Builds the one-line message from the fields, so tests can check fields and text apart. */
export function formatError(fields: ErrorFields): string {
  let text = `cannot ${fields.action}`;
  if (fields.subject) text += ` ${fields.subject}`;
  const why = [fields.code, fields.reason].filter(Boolean).join(': ');
  if (why) text += ` (${why})`;
  if (fields.hint) text += `; ${fields.hint}`;
  return text;
}

/**
 * ensure-running could not do its own job (lock, read, write, spawn, signal).
 * A check exits 1 (the program is not known to run), a status 4 (unknown).
 */
export class RunError extends Error {
  constructor(fields: ErrorFields, options?: { cause?: unknown }) {
    super(formatError(fields), options);
    this.name = 'RunError';
  }
}

/** A bad flag, duration, path or command line: the operator must change the call. Exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A configuration error found while acting (missing cwd, command not found). Exit 2. */
export class ConfigError extends RunError {
  /** Set when the same error was already reported recently: exit 2 without a line (cron mails lines). */
  quiet = false;
  constructor(fields: ErrorFields, options?: { cause?: unknown }) {
    super(fields, options);
    this.name = 'ConfigError';
  }
}

/** The OS error code of an unknown thrown value, if it has one. */
export function errnoCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}
