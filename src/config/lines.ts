// Where each table and key of a config file is written. smol-toml gives a line only for a
// syntax error, so this is a small scan of the source, good for the files we accept:
// `[table]` headers and `key = value` lines (bare or quoted keys). It never decides what is
// valid (the parser does); it only finds lines to quote in messages, and the tables written
// twice, so that every duplicate is reported, not only the first one the parser stops at.

/** Lines are 1-based; a key is found as `TABLE\0KEY` (TABLE as written between brackets, unquoted). */
export interface SourceLines {
  tables: Map<string, number>;
  keys: Map<string, number>;
  /** Every table header after its first, with the line of the first. */
  duplicates: { table: string; line: number; first: number }[];
}

const unquote = (part: string): string => {
  const text = part.trim();
  return (text.startsWith('"') && text.endsWith('"')) || (text.startsWith("'") && text.endsWith("'")) ? text.slice(1, -1) : text;
};

/** A dotted name as written (`programs."web"` → `programs.web`); dots inside quotes are rare enough to ignore. */
export function tableName(written: string): string {
  return written.split('.').map(unquote).join('.');
}

/** Scans the source once. A multi-line string's lines are skipped, so its content is never taken for a key. */
export function scanLines(source: string): SourceLines {
  const found: SourceLines = { tables: new Map(), keys: new Map(), duplicates: [] };
  let table = '';
  let inString: string | null = null;
  source.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const text = raw.trim();
    if (inString) {
      if (text.includes(inString)) inString = null;
      return;
    }
    const header = /^\[\s*([^[\]]+?)\s*\]\s*(#.*)?$/.exec(text);
    if (header) {
      table = tableName(header[1]!);
      const first = found.tables.get(table);
      if (first !== undefined) found.duplicates.push({ table, line, first });
      else found.tables.set(table, line);
      return;
    }
    const key = /^("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=(.*)$/.exec(text);
    if (!key) return;
    const name = `${table}\0${unquote(key[1]!)}`;
    if (!found.keys.has(name)) found.keys.set(name, line);
    const value = key[2]!;
    for (const quote of ['"""', "'''"]) {
      const at = value.indexOf(quote);
      if (at >= 0 && value.indexOf(quote, at + 3) < 0) inString = quote;
    }
  });
  return found;
}
