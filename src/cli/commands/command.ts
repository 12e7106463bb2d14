/** The shape every `keyward` command has, and what it gets to talk to the outside. */
import { type CommandSpec, type Parsed, parseArgs } from '../args.ts';

/** What a command may use besides its arguments. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  /** Writes a result line to stdout. */
  print: (line: string) => void;
  /**
   * Queues a warning for stderr. Warnings are printed after the command
   * ends, so that on failure the error stays the first line of stderr.
   */
  notice: (line: string) => void;
}

/** One subcommand. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** `keyward NAME --help`: synopsis, options, notes. */
  usage: string;
  /**
   * Runs the command.
   *
   * @throws KeywardError; the caller prints them
   */
  run: (argv: readonly string[], ctx: CliContext) => Promise<void>;
}

/**
 * Parses a command's arguments, or, on `--help` or `-h`, prints its usage and
 * returns null: the command then does nothing else.
 *
 * @throws KeywardError `USAGE` for anything the spec does not allow
 */
export function argsOrHelp<const S extends CommandSpec>(spec: S, argv: readonly string[], usage: string, ctx: CliContext): Parsed<S> | null {
  const args = parseArgs(spec, argv, usage);
  if (!args.help) return args;
  ctx.print(usage);
  return null;
}
