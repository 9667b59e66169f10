// --reload: the reload signal (--reload-signal, default HUP) to the verified program, and to
// nothing else: no restart, no hold, one line. The program alone gets it, as systemd's
// `kill -HUP $MAINPID` does: a master that reloads its workers must not see them signalled too.

import { decide } from '../core/tick.js';
import { isSignallablePid } from '../core/pid-text.js';
import { EXIT, RunError, errnoCode } from '../errors.js';
import { observe } from '../os/observe.js';
import { verifyIdentity } from '../os/proc-identity.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';
import { runPass } from './check.js';
import type { Pass } from './pass.js';
import type { Records } from './records.js';

/** --reload: one pass (src/commands/check.ts), so that no check relaunches the program between the look and the signal. */
export function reloadCommand(config: ProgramConfig, world: World): Promise<number> {
  return runPass(config, world, async (pass, { records }) => ({ code: reloadStep(config, pass, records) }));
}

/** The reload of a pass: the signal to the verified program, then the `reloaded` event, saved. Returns the exit code. */
function reloadStep(config: ProgramConfig, pass: Pass, records: Records): number {
  const { paths } = config;
  const world = pass.world;
  const signal = config.reloadSignal ?? 'SIGHUP';
  const loaded = records.onFile;
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
  const reloaded = decide(loaded!, { kind: 'reloaded', pid: identity.pid, signal }, config.request, config.policy, world.now());
  pass.transitions.push(...reloaded.transitions);
  records.save(reloaded.state);
  world.say(`${paths.name}: reloaded (pid ${identity.pid}, ${signal})`);
  return EXIT.ok;
}
