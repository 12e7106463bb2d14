/// <reference types="vitest/config" />
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Plugin, defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { playwright } from '@vitest/browser-playwright';
import { chromiumPath, chromiumArgs } from './test/chromium.ts';
import { CSP_META, SECURITY_HEADERS } from './content-security-policy.ts';
import { serviceWorker } from './service-worker-plugin.ts';

/** Adds the CSP meta tag to the built index.html only: the dev server needs inline scripts for hot reload. */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'keyward-csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP_META }, injectTo: 'head-prepend' }],
  };
}

/**
 * The preview server answers 404 for an absent keyward-service.json (no escrow service), as a static
 * host does, instead of index.html (its fallback for every other path).
 */
function serviceConfigFile(): Plugin {
  return {
    name: 'keyward-service-config',
    configurePreviewServer(server) {
      const file = join(server.config.root, server.config.build.outDir, 'keyward-service.json');
      server.middlewares.use((request, response, next) => {
        if (request.url?.split('?')[0] !== '/keyward-service.json' || existsSync(file)) {
          next();
          return;
        }
        response.statusCode = 404;
        response.setHeader('Content-Type', 'text/plain');
        response.end('no escrow service is configured');
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), contentSecurityPolicy(), serviceWorker(), serviceConfigFile()],
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true, headers: SECURITY_HEADERS },
  build: { outDir: 'dist/app', target: 'es2022' },
  test: {
    // Two test files at a time, not Vitest's default of one on 2 cores: many files wait on child processes, PostgreSQL or the
    // browser. The whole run took 271-321 s against 422 s (CI, the same machine, the same day). `npm test` runs the `dom`
    // project after the others, one file at a time: two of its component tests failed beside other files (an element
    // looked for before it was rendered), once each in four runs.
    maxWorkers: 2,
    projects: [
      {
        // The pure core and the CLI, in Node 20.
        test: {
          name: 'node',
          globals: true,
          environment: 'node',
          include: ['src/core/**/*.test.ts', 'src/cli/**/*.test.ts', 'src/server/**/*.test.ts', 'src/io/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['src/core/**/*.browser.test.ts', 'src/io/**/*.browser.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
      {
        // Store, components and IO adapters, in happy-dom (ecosystem.md G2).
        test: {
          name: 'dom',
          globals: true,
          environment: 'happy-dom',
          include: ['src/store/**/*.test.{ts,tsx}', 'src/features/**/*.test.{ts,tsx}', 'src/components/**/*.test.{ts,tsx}', 'src/app/**/*.test.tsx'],
          setupFiles: ['./test/setup-dom.ts'],
          testTimeout: 60_000,
        },
      },
      {
        // The same core tests, unchanged, in real Chromium (and a Worker); the Worker pipeline and its disk sinks.
        test: {
          name: 'chromium',
          globals: true,
          include: ['src/core/**/*.test.ts', 'src/io/**/*.browser.test.ts', 'src/io/piece-reader.test.ts'],
          exclude: ['src/core/**/*.node.test.ts'],
          testTimeout: 120_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs } }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
