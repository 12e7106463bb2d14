import { defineConfig } from 'vite';

/** Builds the `keyward` command-line tool: one ES module for Node 20 on the same core as the app. */
export default defineConfig({
  // The CLI ships no static assets.
  publicDir: false,
  build: {
    ssr: 'src/cli/main.ts',
    outDir: 'dist/cli',
    target: 'node20',
    emptyOutDir: true,
    minify: false,
    // The escrow service (keyward serve, service) is a chunk of its own, loaded only by its commands.
    rolldownOptions: { output: { entryFileNames: 'keyward.js', chunkFileNames: '[name]-[hash].js', format: 'es' } },
  },
});
