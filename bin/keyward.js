#!/usr/bin/env node
// The built CLI lives in dist/cli; run `npm run build` first.
import('../dist/cli/keyward.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('keyward: not built yet; run `npm ci && npm run build` first\n');
    process.exit(2);
  }
  throw error;
});
