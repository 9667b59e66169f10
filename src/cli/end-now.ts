// How a call that is over ends its process: at once, with its exit code.

/** process.reallyExit: the step that process.exit() ends with, once it has emitted 'exit'. */
type ReallyExit = (code: number) => never;

/**
 * Ends the process with the exit code set (process.exitCode, 0 when unset), as process.exit()
 * does but without its 'exit' event. Called only when the call is over: the lock released, the
 * records saved, its lines handed to stdout and stderr, so that no listener of that event has
 * anything left to do (the lock's hook, src/os/exit-hook.ts, holds no lock then). Its lines
 * fare as under process.exit(), which ended these calls before: written at once to a file or
 * a terminal, and to a pipe with room for them (a check says a few lines; cron reads its pipe).
 * The event's first emission and process.exit()'s own first call cost about a quarter of a
 * millisecond, 1-2% of a check (docs/speed.md). A Node without process.reallyExit gets process.exit().
 */
export function endNow(): never {
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  const reallyExit = (process as unknown as { reallyExit?: ReallyExit }).reallyExit;
  if (typeof reallyExit === 'function') reallyExit.call(process, code);
  return process.exit(code);
}
