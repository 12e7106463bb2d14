import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import reactRefresh from 'eslint-plugin-react-refresh';
import tseslint from 'typescript-eslint';
import { defineConfig, globalIgnores } from 'eslint/config';

/** Import direction (docs/architecture.md): core <- io <- store <- features <- app, and core <- cli. */
const noImportsFrom = (...layers) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: layers.map((layer) => ({
        group: [`**/${layer}`, `**/${layer}/**`],
        message: `This layer must not import from src/${layer} (see docs/architecture.md).`,
      })),
    },
  ],
});

export default defineConfig([
  globalIgnores(['dist', 'coverage', 'playwright-report', 'test-results', 'bin']),
  {
    files: ['**/*.{ts,tsx}'],
    extends: [
      js.configs.recommended,
      tseslint.configs.strictTypeChecked,
      reactHooks.configs.flat.recommended,
      reactRefresh.configs.vite,
    ],
    languageOptions: {
      ecmaVersion: 2022,
      globals: { ...globals.browser },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The pure core: no DOM, no Node, no other layer.
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.node.test.ts'],
    languageOptions: { globals: { ...globals['shared-node-browser'] } },
    rules: {
      ...noImportsFrom('io', 'store', 'features', 'components', 'app', 'cli'),
      'no-restricted-globals': ['error', 'window', 'document', 'indexedDB', 'localStorage', 'Buffer', 'process'],
    },
  },
  {
    // Components render state and call actions: core types only, no IO, no other feature.
    files: ['src/features/**/*.{ts,tsx}', 'src/components/**/*.{ts,tsx}'],
    ignores: ['**/*.test.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/core', '**/core/**'], allowTypeImports: true, message: 'Components use core types only; logic goes through the store.' },
            { group: ['**/io', '**/io/**', '**/app', '**/app/**'], message: 'Components reach IO only through store actions.' },
            { group: ['**/features/**', ...['encrypt', 'decrypt', 'keys', 'register', 'escrow', 'recover'].map((f) => `../${f}/**`)], message: 'No cross-feature imports: shared pieces go in src/components.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/store/**/*.ts'],
    ignores: ['**/*.test.ts', 'src/store/test-adapters.ts'],
    rules: noImportsFrom('features', 'components', 'app'),
  },
  {
    files: ['src/cli/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: noImportsFrom('io', 'store', 'features', 'components', 'app'),
  },
  {
    files: ['**/*.test.ts', '**/*.test.tsx'],
    rules: {
      // Tests build hostile inputs on purpose.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  {
    files: ['test/**', 'e2e/**', 'scripts/**', 'bench/**', '*.config.ts', 'content-security-policy.ts', 'service-worker-plugin.ts', 'src/**/*.node.test.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: { 'react-refresh/only-export-components': 'off' },
  },
]);
