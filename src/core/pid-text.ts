// Strict reading of PID file text: one decimal PID and an optional newline, nothing else.

/** Linux's default pid_max ceiling; the real value is read from /proc when it is there. */
export const PID_MAX_LIMIT = 4194304;

export type PidText = { kind: 'ok'; pid: number } | { kind: 'invalid'; reason: string };

/** Parses PID file content. `ownPid` is refused so that a check can never judge or signal itself. */
export function parsePidText(text: string, pidMax: number, ownPid: number): PidText {
  if (!/^[1-9][0-9]*\n?$/.test(text)) {
    const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
    return { kind: 'invalid', reason: `expected one decimal PID and a newline, found ${shown}` };
  }
  const pid = Number.parseInt(text, 10);
  if (pid < 2) return { kind: 'invalid', reason: `PID ${pid} is reserved for init` };
  if (pid > pidMax) return { kind: 'invalid', reason: `PID ${pid} is above pid_max (${pidMax})` };
  if (pid === ownPid) return { kind: 'invalid', reason: `PID ${pid} is this check's own process` };
  return { kind: 'ok', pid };
}

/** True for a number that may safely be signalled: an integer from 2 to the ceiling. */
export function isSignallablePid(pid: unknown): pid is number {
  return typeof pid === 'number' && Number.isInteger(pid) && pid >= 2 && pid <= PID_MAX_LIMIT;
}
