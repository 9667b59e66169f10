// Reads option values out of a {name: text} map (a parsed argv, or any other source) through
// the option table: the given text parsed by the row's kind, or the row's default.

import { OPTIONS, type OptionName, type OptionSpec, type OptionValue } from './options.js';
import { UsageError } from '../errors.js';

/** Options as given, before any is read: text, a flag, or the items of a repeatable option. */
export type GivenValues = Partial<Record<OptionName, string | boolean | string[]>>;

const TABLE = OPTIONS as Record<string, OptionSpec>;

/** The value of an option that was given, parsed (OptionError naming it when it is not valid); undefined when not given. */
export function givenValue<K extends OptionName>(values: GivenValues, name: K): OptionValue<K> | undefined {
  const raw = values[name];
  const spec = TABLE[name]!;
  if (raw === undefined) return undefined;
  if (spec.type === 'boolean') return (raw === true) as OptionValue<K>;
  if (Array.isArray(raw)) {
    if (!spec.kind) return raw as unknown as OptionValue<K>;
    // Repeatable items merge: a later KEY=VALUE wins over an earlier one.
    return raw.reduce((merged, item) => Object.assign(merged, spec.kind!.parse(item, name)), {}) as OptionValue<K>;
  }
  if (typeof raw !== 'string') return undefined;
  return (spec.kind ? spec.kind.parse(raw, name) : raw) as OptionValue<K>;
}

/** The value of an option: given and parsed, or else its row's default. */
export function optionValue<K extends OptionName>(values: GivenValues, name: K): OptionValue<K> {
  const value = givenValue(values, name);
  if (value !== undefined) return value;
  const spec = TABLE[name]!;
  if (!('default' in spec)) throw new Error(`option --${name} has no default in the option table; read it with givenValue`);
  // A fresh copy of an object default (--env's pairs), so that no call can change the table.
  const fallback = spec.default;
  return (fallback !== null && typeof fallback === 'object' ? { ...fallback } : fallback) as OptionValue<K>;
}

/** Refuses an option given without any of the options it needs (the row's `needs`), naming both. */
export function checkNeeds(values: GivenValues): void {
  for (const [name, spec] of Object.entries(TABLE)) {
    if (!spec.needs || values[name as OptionName] === undefined) continue;
    if (spec.needs.some((other) => values[other as OptionName] !== undefined)) continue;
    throw new UsageError(`--${name} needs ${spec.needs.map((other) => `--${other}`).join(' or ')}`);
  }
}
