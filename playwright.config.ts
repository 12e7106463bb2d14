import { defineConfig, devices } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './test/chromium.ts';

/** KEYWARD_E2E_PORT lets several checkouts run their journeys side by side. */
const PORT = Number(process.env.KEYWARD_E2E_PORT ?? 4173);
const BASE = `http://127.0.0.1:${PORT}`;

export default defineConfig({
  testDir: './e2e',
  // The 2 GiB journey runs on its own: `npm run test:large` (playwright.large.config.ts).
  testIgnore: ['large/**'],
  fullyParallel: false,
  workers: 1, // 2 cores: one browser at a time is fastest and least flaky
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['list']],
  timeout: 60_000,
  use: {
    ...devices['Desktop Chrome'],
    baseURL: BASE,
    acceptDownloads: true,
    trace: 'off',
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
  },
  projects: [{ name: 'chromium' }],
  webServer: {
    // Serves the production build (`npm test` builds it just before).
    command: `npx vite build && npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: BASE,
    reuseExistingServer: !process.env.CI,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
