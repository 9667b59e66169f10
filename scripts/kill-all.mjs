// Kills processes a script started, each with its process group, by PID; gone ones are fine.
export function killAll(pids) {
  for (const pid of pids) {
    if (!Number.isInteger(pid) || pid < 2) continue;
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
