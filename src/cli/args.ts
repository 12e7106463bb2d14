/**
 * A small, strict argument parser (no dependency). Anything it does not
 * expect is a usage error rather than a guess: an unknown option, an option
 * given twice, a missing value, a missing or extra positional argument.
 */
import { usageError } from './errors.ts';

/** One `--name` option. */
export interface FlagSpec {
  /**
   * `string` takes a value (`--out PATH` or `--out=PATH`); `list` too, and may
   * be given more than once (`--member A --member B`, in order); `boolean`
   * takes none.
   */
  readonly type: 'string' | 'list' | 'boolean';
  /** A missing required option is a usage error (for a list: not given at all). */
  readonly required?: boolean;
}

/** What a command accepts. */
export interface CommandSpec {
  /** Names of the positional arguments, in order; all are required. */
  readonly positionals: readonly string[];
  /** The last positional may be given more than once (`BLOB...`); the others land in `more`. */
  readonly variadic?: boolean;
  readonly flags: Readonly<Record<string, FlagSpec>>;
}

/** The value type of one option. */
export type FlagValue<F extends FlagSpec> = F['type'] extends 'boolean'
  ? boolean
  : F['type'] extends 'list'
    ? string[]
    : F['required'] extends true
      ? string
      : string | undefined;

/** Parsed arguments, typed from the spec. */
export interface Parsed<S extends CommandSpec> {
  /** `--help` or `-h` was given: everything else is ignored. */
  help: boolean;
  positionals: Record<S['positionals'][number], string>;
  /** With `variadic`: the values given after the last positional's first one, in order. */
  more: string[];
  flags: { [K in keyof S['flags']]: FlagValue<S['flags'][K]> };
}

/**
 * Parses a command's arguments (after the command name).
 *
 * @param spec - the positionals and options the command accepts
 * @param argv - the arguments
 * @param usage - the command's usage text, shown with a usage error
 * @returns the values; `help` set if help was asked for
 * @throws KeywardError `USAGE` for anything the spec does not allow
 */
export function parseArgs<const S extends CommandSpec>(spec: S, argv: readonly string[], usage: string): Parsed<S> {
  const fail = (message: string) => usageError(message, usage);
  // --help wins over every other problem, so `keyward encrypt --help` always helps.
  const end = argv.indexOf('--');
  const options = end === -1 ? argv : argv.slice(0, end);
  if (options.includes('--help') || options.includes('-h')) {
    return { help: true, positionals: {} as Parsed<S>['positionals'], more: [], flags: {} as Parsed<S>['flags'] };
  }

  const values = new Map<string, string | boolean>();
  const lists = new Map<string, string[]>();
  const setValue = (name: string, flag: FlagSpec, value: string) => {
    if (flag.type === 'list') lists.set(name, [...(lists.get(name) ?? []), value]);
    else values.set(name, value);
  };
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (i === end) {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw fail(`unknown option ${arg}`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const flag = Object.hasOwn(spec.flags, name) ? spec.flags[name] : undefined;
    if (!flag) throw fail(`unknown option --${name}`);
    if (values.has(name)) throw fail(`--${name} is given twice`);
    if (flag.type === 'boolean') {
      if (eq !== -1) throw fail(`--${name} takes no value`);
      values.set(name, true);
      continue;
    }
    if (eq !== -1) {
      setValue(name, flag, arg.slice(eq + 1));
      continue;
    }
    const next = argv[i + 1];
    // A value that looks like an option is almost always a forgotten value; --name=VALUE still allows it.
    if (next === undefined || i + 1 === end || next.startsWith('--')) throw fail(`--${name} needs a value`);
    setValue(name, flag, next);
    i++;
  }

  if (positionals.length < spec.positionals.length) throw fail(`missing ${spec.positionals[positionals.length]!}`);
  if (positionals.length > spec.positionals.length && !spec.variadic) {
    throw fail(`unexpected argument ${JSON.stringify(positionals[spec.positionals.length])}`);
  }
  const named: Record<string, string> = {};
  spec.positionals.forEach((name, index) => {
    named[name] = positionals[index]!;
  });

  const flags: Record<string, string | string[] | boolean | undefined> = {};
  for (const [name, flag] of Object.entries(spec.flags)) {
    if (flag.type === 'list') {
      const list = lists.get(name) ?? [];
      if (flag.required && list.length === 0) throw fail(`missing --${name}`);
      flags[name] = list;
      continue;
    }
    const value = values.get(name);
    if (flag.required && value === undefined) throw fail(`missing --${name}`);
    flags[name] = flag.type === 'boolean' ? value === true : value;
  }
  return { help: false, positionals: named, more: positionals.slice(spec.positionals.length), flags: flags as Parsed<S>['flags'] };
}
