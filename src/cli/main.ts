/**
 * Entry of the `keyward` command-line tool (built to dist/cli/keyward.js,
 * started by bin/keyward.js). A thin Node edge over the pure core.
 */
import { run } from './run.ts';

// `keyward inspect X | head -1`: a reader that went away is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

// exitCode rather than process.exit(): stdout, when it is a pipe, still drains before Node ends.
process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
