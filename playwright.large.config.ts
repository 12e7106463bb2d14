/** The 2 GiB journey (`npm run test:large`): the same server as `npm test`, one long spec. */
import { defineConfig } from '@playwright/test';
import base from './playwright.config.ts';

export default defineConfig({
  ...base,
  testDir: './e2e/large',
  testIgnore: [],
  timeout: 20 * 60_000,
});
