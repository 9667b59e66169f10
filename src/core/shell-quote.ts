// Command lines shown to people (hints, crontab lines, --status): quoted so that a shell
// gives back the same argv.

/** Quotes an argv for display the way a shell would accept it. */
export function quoteArgv(argv: string[]): string {
  return argv.map((arg) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ');
}
