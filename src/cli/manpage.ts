// The man page (roff, man(7) macros), written from the option table at build time into
// dist/ensure-running.1, which package.json names, so that `man ensure-running` works after
// a global install.

import { EXIT_CODES, SUMMARY, USAGE, VALUE_WORDS, described, groups } from './help.js';
import { OPTIONS, type OptionSpec } from './options.js';

const TABLE = OPTIONS as Record<string, OptionSpec>;

/** Text as roff reads it: backslashes escaped, hyphens as \-, no line starting with a control character. */
export function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
}

/** The man page for this version. */
export function manPage(version: string): string {
  const out = [
    `.TH ENSURE\\-RUNNING 1 "" "ensure\\-running ${roff(version)}" "User Commands"`,
    '.SH NAME',
    `ensure\\-running \\- ${roff(SUMMARY)}`,
    '.SH SYNOPSIS',
  ];
  for (const u of USAGE.filter((usage) => usage.needs.every((name) => name in TABLE))) {
    out.push('.PP', `\\fBensure\\-running\\fR ${roff(u.call)}`, '.br', roff(u.does));
  }
  out.push(
    '.SH DESCRIPTION',
    'Each call looks at the PID file, checks that the process behind it is alive and is the very',
    'process it launched (its start time and boot id), and exits. If the program is gone, it',
    'launches it again, detached, with its output appended to a log. Overlapping calls never',
    'launch twice. A healthy check prints nothing, so cron mails only changes: started, died,',
    'backing off, fatal, stopped. Nothing stays resident between checks.',
    '.PP',
    roff('Everything after -- is the program and its arguments, passed unchanged, without a shell.'),
    '.SH OPTIONS',
  );
  for (const [group, rows] of groups()) {
    out.push(`.SS ${roff(group)}`);
    for (const [name, spec] of rows) {
      out.push('.TP', `\\fB\\-\\-${roff(name)}\\fR${spec.valueName ? ` \\fI${roff(spec.valueName)}\\fR` : ''}`, roff(described(name, spec)));
    }
  }
  out.push('.SS Values', ...VALUE_WORDS.flatMap((line) => [roff(line), '.br']));
  out.push('.SH EXIT STATUS', ...EXIT_CODES.flatMap((line) => [roff(line), '.br']));
  out.push(
    '.SH FILES',
    '.TP',
    roff('FILE.pid, FILE.state.json, FILE.log'),
    roff('the PID file, its state file and the default log, side by side'),
    '.TP',
    roff('$ENSURE_RUNNING_HOME (default ~/.local/state/ensure-running)'),
    roff('the registry that a bare --status lists'),
    '.SH SEE ALSO',
    roff('crontab(5), and the docs/ folder of the package (getting-started.md, options.md, config-file.md, guarantees.md).'),
  );
  return `${out.join('\n')}\n`;
}
