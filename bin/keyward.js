#!/usr/bin/env node
// CommonJS (bin/package.json): read without libuv's thread pool, so the line
// below still decides how many threads the pool gets.
const { availableParallelism } = require('node:os');

// `keyward serve`: one libuv thread per core left over by the main thread
// (WebCrypto's jobs run there: enrolment, sign-in, cases, and a deposit's
// signature checks where libsodium cannot load), unless UV_THREADPOOL_SIZE
// is set. Node's
// default of 4 was slower on 2 cores (docs/performance.md). libuv reads it
// once, at the pool's first use, which loading the CLI below already is.
if (process.argv[2] === 'serve' && process.env.UV_THREADPOOL_SIZE === undefined) {
  process.env.UV_THREADPOOL_SIZE = String(Math.max(1, availableParallelism() - 1));
}

// The built CLI lives in dist/cli; run `npm run build` first.
import('../dist/cli/keyward.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('keyward: not built yet; run `npm ci && npm run build` first\n');
    process.exit(2);
  }
  throw error;
});
