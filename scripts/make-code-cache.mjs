// Makes dist/check.cjs.cache, the V8 code cache of the full check's bundle (src/cli/code-cache.ts).
// scripts/build.mjs runs it in a child node without NODE_OPTIONS (V8 rejects a cache made
// under other flags). In a directory of its own, a first check launches a program (`sleep`);
// the cache is taken after the bundle has run the check of it running, the call that has to
// be quick. The program is then killed by its PID and the directory removed.
// Usage: node scripts/make-code-cache.mjs MAKER.cjs CHECK.cjs   (MAKER: code-cache.ts bundled)
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';

const [maker, file] = process.argv.slice(2);
const { codeCacheOf } = createRequire(import.meta.url)(maker);
const dir = mkdtempSync(join(tmpdir(), 'er-code-cache-'));
process.env.HOME = dir;
process.env.ENSURE_RUNNING_HOME = join(dir, 'registry');
const pidFile = join(dir, 'app.pid');
const args = ['--pid', pidFile, '--start-secs', '0', '--', 'sleep', '60'];
let pid = null;
try {
  // The launch, by the built full.cjs beside check.cjs in a process of its own: the cache is
  // for the check of a running program, the call that has to be quick.
  const first = spawnSync(process.execPath, [join(dirname(file), 'full.cjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  try {
    pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  } catch {
    // no launch: said below
  }
  if (first.status !== 0) throw new Error(`the warm-up's first check exited ${first.status}: ${first.stderr}`);
  // The warm-up is this process: it must see the call's own command line, as the full check
  // does (the promise is given only to the command line that asked), or the cache would leave
  // out the writing of the promise.
  process.argv = [process.execPath, join(dirname(file), 'full.cjs'), ...args];
  // What the warm-up check says (a healthy one says nothing).
  let said = '';
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = (chunk, ...rest) => {
      said += String(chunk);
      return write(chunk, ...rest);
    };
  }
  const cache = await codeCacheOf(file, async ({ runCall }) => {
    await runCall(args, () => Promise.reject(new Error('the warm-up call is not a plain check')));
    if (process.exitCode !== 0) throw new Error(`the warm-up's check of the running program exited ${process.exitCode}`);
    // A quiet check ends by writing its quiet promise: without it the cache would leave that code
    // out, and every full check would compile it (as builds before this check did). A check that
    // said something gives none by design (a build whose check is meant to speak, as a test of
    // the guarantees makes one): the cache is made all the same.
    if (!existsSync(join(dir, 'app.promise'))) {
      if (said === '')
        throw new Error(
          `the warm-up's quiet check gave no quiet promise in ${dir}: set TMPDIR to a directory that only this user can write, whose parents are not open to others`,
        );
      process.stderr.write(`warning: the warm-up check was not quiet, so the code cache leaves out the writing of the promise: ${said.trim()}\n`);
    }
  });
  writeFileSync(`${file}.cache`, cache, { mode: 0o644 });
} finally {
  if (Number.isInteger(pid) && pid > 1) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
