// Named points where the fault suite kills the check, to prove each step leaves consistent records.

const wanted = process.env.ENSURE_RUNNING_FAILPOINT;

/**
 * When ENSURE_RUNNING_FAILPOINT names this point, the check kills itself with SIGKILL,
 * exactly as the OOM killer or a power cut would stop it: no cleanup, lock left behind.
 * Unset (always, outside the fault suite), this is one string comparison.
 */
export function failpoint(name: string): void {
  if (wanted === name) process.kill(process.pid, 'SIGKILL');
}
