// "Did you mean": the known name nearest to a mistyped one (an option, a TOML key), by edit
// distance with transpositions, so that --stauts finds --status and max_retries max-retries.

/** Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The known name nearest to `given`, when it is near enough to be a typo; `_` and case count as nothing. */
export function nearestName(given: string, known: readonly string[]): string | null {
  const plain = given.toLowerCase().replaceAll('_', '-');
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of known) {
    const distance = editDistance(plain, name);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  // One edit for short names, two from 6 letters, three from 10: beyond that it is another word.
  const allowed = plain.length >= 10 ? 3 : plain.length >= 6 ? 2 : 1;
  return best !== null && bestDistance <= allowed && best !== given ? best : null;
}

/** ` (did you mean --status?)` (shown through `show`), or '' when no name is near. */
export function didYouMean(given: string, known: readonly string[], show: (name: string) => string = (name) => name): string {
  const near = nearestName(given, known);
  return near ? ` (did you mean ${show(near)}?)` : '';
}
