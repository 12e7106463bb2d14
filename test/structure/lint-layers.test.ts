/**
 * The lint rules that hold the layers apart (eslint.config.js), checked on
 * code that breaks each: if a rule is dropped or its files pattern stops
 * matching, this fails. Each sample is linted as if it were an existing file
 * of that layer.
 */
import { ESLint } from 'eslint';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(ROOT, filePath) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('lint keeps each layer to its own imports', () => {
  it.for<[string, string]>([
    ['src/io/download.ts', "import { createAppStore } from '../store/app-store.ts';\nexport const x = createAppStore;\n"],
    ['src/io/download.ts', "import { run } from '../cli/run.ts';\nexport const x = run;\n"],
    ['src/core/kdf.ts', "import { createKeyStore } from '../io/key-store.ts';\nexport const x = createKeyStore;\n"],
    ['src/store/names.ts', "import { KeyCard } from '../features/keys/key-card.tsx';\nexport const x = KeyCard;\n"],
    ['src/components/key-id.tsx', "import { createKeyStore } from '../io/key-store.ts';\nexport const x = createKeyStore;\n"],
    ['src/cli/mime.ts', "import { createKeyStore } from '../io/key-store.ts';\nexport const x = createKeyStore;\n"],
    ['src/server/app.ts', "import { createKeyStore } from '../io/key-store.ts';\nexport const x = createKeyStore;\n"],
    ['src/server/app.ts', "import { run } from '../cli/run.ts';\nexport const x = run;\n"],
    ['src/core/kdf.ts', "import { buildService } from '../server/app.ts';\nexport const x = buildService;\n"],
  ])('%s refuses: %s', async ([file, code]) => {
    expect(await ruleIds(file, code)).toContain('no-restricted-imports');
  });
});

describe('lint keeps error sentences in core/errors.ts', () => {
  it.for<[string, string]>([
    ['src/store/names.ts', "export const e = { code: 'KEY_GONE', message: 'Gone.' };\n"],
    ['src/features/keys/rename-form.tsx', 'export const e = { code: `KEY_GONE`, message: `Gone ${1}.` };\n'],
    ['src/io/download.ts', 'export class DownloadError extends Error {}\n'],
    ['src/server/app.ts', "export const e = { code: 'NOT_ENROLLED', message: 'Not enrolled.' };\n"],
  ])('%s refuses: %s', async ([file, code]) => {
    expect(await ruleIds(file, code)).toContain('no-restricted-syntax');
  });
});

describe('lint refuses import cycles', () => {
  it('between two modules of a layer', async () => {
    // db.ts is imported by key-store.ts; importing key-store.ts back closes a cycle.
    const code = "import { createKeyStore } from './key-store.ts';\nexport const x = createKeyStore;\n";
    expect(await ruleIds('src/io/db.ts', code)).toContain('import-x/no-cycle');
  });
});
