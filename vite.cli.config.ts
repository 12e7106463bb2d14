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
    rolldownOptions: { output: { entryFileNames: 'keyward.js', format: 'es' } },
  },
});
