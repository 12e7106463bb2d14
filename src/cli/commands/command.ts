/** The shape every `keyward` command has, and what it gets to talk to the outside. */

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
