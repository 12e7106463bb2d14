import { defineConfig } from 'vite';

/** Builds the `keyward` command-line tool: one ES module for Node 20 on the same core as the app. */
export default defineConfig({
  // The CLI ships no static assets.
  publicDir: false,
  build: {
    ssr: true,
    outDir: 'dist/cli',
    target: 'node20',
    emptyOutDir: true,
    minify: false,
    // The escrow service (keyward serve, service) is a chunk of its own, loaded only by its commands; its deposit
    // checks' worker thread is an entry of its own, beside it (src/server/deposit-checker.ts finds it there).
    rolldownOptions: {
      input: { keyward: 'src/cli/main.ts', 'deposit-check-worker': 'src/server/deposit-check-worker.ts' },
      output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', format: 'es' },
    },
  },
});
