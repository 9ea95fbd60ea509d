import { execFileSync } from 'child_process';
import path from 'path';

// The import-boundary rules of eslint.config.mjs bite where the layout says they should. ESLint loads
// its flat config with a dynamic import, which jest's module system does not allow: it runs in a child.
const ROOT = path.resolve(__dirname, '../..');

function lintImports(cases: { file: string; code: string }[]): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    const path = require('path');
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const out = [];
      for (const { file, code } of JSON.parse(process.argv[1])) {
        const [result] = await eslint.lintText(code, { filePath: path.join(process.cwd(), file) });
        out.push(result.messages.filter((m) => (m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax')).map((m) => m.message));
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((error) => { console.error(error); process.exit(1); });`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script, JSON.stringify(cases)], { cwd: ROOT, encoding: 'utf8' })) as string[][];
}

describe('import boundaries', () => {
  test('each part of the layout may import only what the layout allows', () => {
    const cases = [
      { file: 'cloudfunctions/getMonthlyRetain/index.ts', code: "import { retainReport } from '../../src/reports/retain';\nexport const x = retainReport;\n", refused: /public entry/ },
      { file: 'src/handler.ts', code: "import { startEmulator } from '../scripts/emulator';\nexport const x = startEmulator;\n", refused: /imports no tooling/ },
      { file: 'src/handler.ts', code: "import { x } from '../test/helpers/fakes';\nexport const y = x;\n", refused: /imports no tooling/ },
      { file: 'miniprogram/services/analytics.ts', code: "import { x } from '../../src/contract';\nexport const y = x;\n", refused: /uploaded on its own/ },
      { file: 'cloudfunctions/getMonthlyRetain/index.ts', code: "import { retainReport } from '../../src';\nexport const x = retainReport;\n", refused: undefined },
      { file: 'src/handler.ts', code: "import { readConfig } from './config';\nexport const x = readConfig;\n", refused: undefined },
      // Whom the functions serve is the tenancy's: only the configuration's pickers ask WECHAT_TRANSPORT.
      { file: 'src/functions/sync.ts', code: "export const f = (c: { transport: string }) => c.transport === 'component';\n", refused: /Ask the tenancy/ },
      { file: 'src/tenancy/index.ts', code: "export const f = (c: { transport: string }) => c.transport !== 'component';\n", refused: undefined },
    ];
    const results = lintImports(cases.map(({ file, code }) => ({ file, code })));
    cases.forEach((entry, index) => {
      if (entry.refused) expect(results[index]).toEqual([expect.stringMatching(entry.refused)]);
      else expect(results[index]).toEqual([]);
    });
  });
});
