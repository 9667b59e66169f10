// --help and --version, through yargs, loaded only when asked for (it costs ~100 ms to import).

import yargs from 'yargs';
import { OPTIONS, defaultShown, type OptionSpec } from './options.js';

/** Prints the help text built from the same option table the parser uses. */
export async function printHelp(version: string): Promise<void> {
  let cli = yargs([])
    .scriptName('ensure-running')
    .locale('en')
    .version(version)
    .usage(
      [
        'Keep one instance of a program alive, from cron, with no resident supervisor.',
        '',
        'Usage:',
        '  ensure-running --pid FILE [options] -- COMMAND [ARGS...]   check: launch if not running',
        '  ensure-running --pid FILE --status [--json] [--history]    one program',
        '  ensure-running --status [--json]                           every program this user guards',
        '  ensure-running --status --format prometheus --output FILE  Prometheus metrics',
        '  ensure-running --pid FILE --stop                           stop, and hold it stopped',
        '  ensure-running --pid FILE --start -- COMMAND ...           clear hold/backoff/fatal, then check',
        '  ensure-running --pid FILE --restart -- COMMAND ...         stop, then start',
        '  ensure-running --pid FILE --reload                         send the reload signal (HUP)',
      ].join('\n'),
    )
    .epilogue(
      [
        'Exit codes of a check: 0 running (or held stopped), 1 not running (or past its time bound), 2 usage or configuration error.',
        'Exit codes of --status: 0 running, 1 dead (crashed, backoff, fatal, cannot be launched), 3 stopped or held,',
        '4 unknown (no such program, unreadable records, or a live PID without a launch record).',
        'Everything after -- is passed to the program unchanged, without a shell.',
      ].join('\n'),
    )
    .wrap(Math.min(110, process.stdout.columns || 100));
  for (const [name, spec] of Object.entries(OPTIONS as Record<string, OptionSpec>)) {
    if (name === 'help' || name === 'version') continue;
    const shown = defaultShown(spec);
    cli = cli.option(name, {
      type: spec.type === 'array' ? 'array' : spec.type,
      describe: shown !== undefined ? `${spec.describe} [default: ${shown}]` : spec.describe,
      group: `${spec.group}:`,
      ...(spec.valueName ? { requiresArg: true } : {}),
    });
  }
  cli.showHelp((text) => process.stdout.write(`${text}\n`));
}
