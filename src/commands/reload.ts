// --reload: the reload signal (--reload-signal, default HUP) to the verified program, and to
// nothing else: no restart, no hold, one line. The program alone gets it, as systemd's
// `kill -HUP $MAINPID` does: a master that reloads its workers must not see them signalled too.

import { withEvent } from '../core/state.js';
import { isSignallablePid } from '../core/pid-text.js';
import { EXIT, RunError, errnoCode } from '../errors.js';
import { takeLock } from '../os/lock.js';
import { observe } from '../os/observe.js';
import { verifyIdentity } from '../os/proc-identity.js';
import { loadStateFile, writeStateFile } from '../os/state-file.js';
import { lockWaitMs, type ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';

/** --reload: under the lock, so that no check relaunches the program between the look and the signal. */
export async function reloadCommand(config: ProgramConfig, world: World): Promise<number> {
  const lock = await takeLock(config.paths.pidFile, lockWaitMs(config), world.now);
  try {
    return reloadLocked(config, world);
  } finally {
    await lock.release();
  }
}

function reloadLocked(config: ProgramConfig, world: World): number {
  const { paths } = config;
  const signal = config.reloadSignal ?? 'SIGHUP';
  const loaded = loadStateFile(paths.stateFile, paths.name, (line) => world.warn(line));
  const looked = observe(paths, loaded, { tail: false, scan: false });
  if (looked.obs.kind === 'unverified') {
    throw new RunError({
      action: `send ${signal} to`,
      subject: `pid ${looked.obs.pid}`,
      reason: `${paths.pidFile} names a live process that ensure-running did not launch (no launch record), so it is not signalled`,
      hint: `if you are sure it is the program, signal it by hand: kill -${signal.replace(/^SIG/, '')} ${looked.obs.pid}`,
    });
  }
  const identity = loaded?.identity;
  if (looked.obs.kind !== 'ours' || !identity || !isSignallablePid(identity.pid)) {
    // Nothing verified to reload: never a signal on the strength of a PID file alone.
    const held = loaded?.held ? ' (held stopped)' : '';
    world.warn(`${paths.name}: not running${held}; nothing reloaded (the next check launches it unless held)`);
    return EXIT.notRunning;
  }
  // Right before the signal: the PID must still be the process launched, not a reused one.
  const verdict = verifyIdentity(identity);
  if (verdict !== 'ours') {
    world.warn(`${paths.name}: not running (pid ${identity.pid} is ${verdict === 'reused' ? 'another process now' : verdict}); nothing reloaded`);
    return EXIT.notRunning;
  }
  try {
    process.kill(identity.pid, signal);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ESRCH') {
      world.warn(`${paths.name}: not running (pid ${identity.pid} exited just now); nothing reloaded`);
      return EXIT.notRunning;
    }
    throw new RunError(
      {
        action: `send ${signal} to`,
        subject: `pid ${identity.pid}`,
        code,
        hint: code === 'EPERM' ? 'run --reload as the user that launched the program' : undefined,
      },
      { cause: error },
    );
  }
  writeStateFile(paths.stateFile, withEvent(loaded!, { atMs: world.now(), kind: 'reload', pid: identity.pid, detail: signal }));
  world.say(`${paths.name}: reloaded (pid ${identity.pid}, ${signal})`);
  return EXIT.ok;
}
