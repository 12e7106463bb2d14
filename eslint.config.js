import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import reactRefresh from 'eslint-plugin-react-refresh';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { defineConfig, globalIgnores } from 'eslint/config';

/** Import direction (docs/architecture.md): core <- io <- store <- components <- features <- app, and core <- server <- cli. */
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
    // No import cycles anywhere in the app, the CLI or the core: each layer is a tree that can be read bottom up.
    files: ['src/**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/extensions': ['.ts', '.tsx'],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // Error sentences live in one table (core/errors.ts); everything past the core passes codes and details.
    files: ['src/store/**/*.{ts,tsx}', 'src/features/**/*.{ts,tsx}', 'src/components/**/*.{ts,tsx}', 'src/app/**/*.{ts,tsx}', 'src/io/**/*.ts', 'src/cli/**/*.ts', 'src/server/**/*.ts'],
    ignores: ['**/*.test.{ts,tsx}', 'src/store/test-adapters.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "Property[key.name='message'][value.type=/^(Literal|TemplateLiteral)$/]",
          message: 'Write no error sentence here: add a code to src/core/errors.ts and use appError(code, details) or new KeywardError(code, details).',
        },
        {
          selector: "ClassDeclaration[superClass.name='Error']",
          message: 'There is one error type, KeywardError (src/core/errors.ts); add a code there instead of a new Error class.',
        },
      ],
    },
  },
  {
    // The pure core: no DOM, no Node, no other layer.
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.node.test.ts'],
    languageOptions: { globals: { ...globals['shared-node-browser'] } },
    rules: {
      ...noImportsFrom('io', 'store', 'features', 'components', 'app', 'cli', 'server'),
      'no-restricted-globals': ['error', 'window', 'document', 'indexedDB', 'localStorage', 'Buffer', 'process'],
    },
  },
  {
    // Browser adapters: the core and the platform only; the store, the UI and the CLI build on them, not the reverse.
    files: ['src/io/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: noImportsFrom('store', 'features', 'components', 'app', 'cli'),
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
            { group: ['**/io', '**/io/**', '**/app', '**/app/**', '**/cli', '**/cli/**'], message: 'Components reach IO only through store actions.' },
            { group: ['**/features/**', ...['encrypt', 'decrypt', 'keys', 'register', 'escrow', 'recover'].map((f) => `../${f}/**`)], message: 'No cross-feature imports: shared pieces go in src/components.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/store/**/*.ts'],
    ignores: ['**/*.test.ts', 'src/store/test-adapters.ts'],
    rules: noImportsFrom('features', 'components', 'app', 'cli'),
  },
  {
    files: ['src/cli/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: noImportsFrom('io', 'store', 'features', 'components', 'app'),
  },
  {
    // The escrow service (Node, an IO edge like the CLI): the core only; the CLI starts it, not the reverse.
    files: ['src/server/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: noImportsFrom('io', 'store', 'features', 'components', 'app', 'cli'),
  },
  {
    files: ['src/app/**/*.{ts,tsx}'],
    rules: noImportsFrom('cli'),
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
