// --install and --uninstall as edits of a crontab's text: our line sits right below a marker
// comment that names the PID file or config file; every other line is kept byte for byte.

/** The marker above an installed line: `# ensure-running --install: --pid /home/u/app.pid`. */
export function installMarker(key: string): string {
  return `# ensure-running --install: ${key}`;
}

/** What an edit did. `similar`: other lines (1-based) that name the same program without our marker. */
export interface CrontabEdit {
  text: string;
  outcome: 'added' | 'updated' | 'unchanged' | 'adopted' | 'removed' | 'absent';
  similar: number[];
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const joinLines = (lines: string[]): string => (lines.length ? `${lines.join('\n')}\n` : '');

/** The index of the marker line, or -1. */
function markerIndex(lines: string[], marker: string): number {
  return lines.findIndex((line) => line.trimEnd() === marker);
}

/**
 * Puts `line` under `marker`: replaces the line below an existing marker, adopts an identical
 * unmarked line (the marker is added above it), or appends marker and line at the end.
 * `mentions` tells an unmarked line that names the same program (reported, never changed).
 */
export function withInstalled(text: string, marker: string, line: string, mentions: (line: string) => boolean): CrontabEdit {
  const lines = splitLines(text);
  const at = markerIndex(lines, marker);
  const similar = (skip: number[]) => lines.flatMap((l, i) => (!skip.includes(i) && !l.trimStart().startsWith('#') && mentions(l) ? [i + 1] : []));
  if (at >= 0) {
    const below = lines[at + 1];
    if (below === line) return { text: joinLines(lines), outcome: 'unchanged', similar: similar([at, at + 1]) };
    // The line below the marker is ours, unless it is another comment or nothing.
    if (below !== undefined && !below.trimStart().startsWith('#') && below.trim() !== '') lines[at + 1] = line;
    else lines.splice(at + 1, 0, line);
    return { text: joinLines(lines), outcome: 'updated', similar: similar([at, at + 1]) };
  }
  const same = lines.indexOf(line);
  if (same >= 0) {
    lines.splice(same, 0, marker);
    return { text: joinLines(lines), outcome: 'adopted', similar: similar([same, same + 1]) };
  }
  const before = similar([]);
  return { text: joinLines([...lines, marker, line]), outcome: 'added', similar: before };
}

/**
 * Removes the marker and the line below it (when it is not a comment); nothing else. Without
 * a marker, a line identical to `line` (the one --crontab prints, pasted by hand) is removed.
 */
export function withoutInstalled(text: string, marker: string, mentions: (line: string) => boolean, line?: string): CrontabEdit {
  const lines = splitLines(text);
  const at = markerIndex(lines, marker);
  const same = line === undefined ? -1 : lines.indexOf(line);
  if (at < 0 && same >= 0) {
    lines.splice(same, 1);
    const similar = lines.flatMap((l, i) => (!l.trimStart().startsWith('#') && mentions(l) ? [i + 1] : []));
    return { text: joinLines(lines), outcome: 'removed', similar };
  }
  if (at < 0) {
    const similar = lines.flatMap((l, i) => (!l.trimStart().startsWith('#') && mentions(l) ? [i + 1] : []));
    return { text, outcome: 'absent', similar };
  }
  const below = lines[at + 1];
  const count = below !== undefined && !below.trimStart().startsWith('#') && below.trim() !== '' ? 2 : 1;
  lines.splice(at, count);
  const similar = lines.flatMap((l, i) => (!l.trimStart().startsWith('#') && mentions(l) ? [i + 1] : []));
  return { text: joinLines(lines), outcome: 'removed', similar };
}

/** A /etc/cron.d line: the user field after the five time fields. */
export function withUserField(line: string, user: string): string {
  const match = /^(\S+\s+\S+\s+\S+\s+\S+\s+\S+)\s+(.*)$/.exec(line);
  return match ? `${match[1]} ${user} ${match[2]}` : line;
}
