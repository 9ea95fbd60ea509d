import { readFileSync, writeFileSync } from 'fs';
import path from 'path';
import { commandArguments, parseCommandLine } from '../command-line';

/**
 * DevTools compiles `miniprogram/` alone: it cannot import `src/contract.ts`. This script writes a copy of
 * the contract into `miniprogram/types/contract.ts`; a test fails when the copy is stale.
 *
 *   npm run miniprogram:types           writes the copy
 *   npm run miniprogram:types -- --check  exits 1 when the copy is not current
 */
const ROOT = path.resolve(__dirname, '../..');
export const CONTRACT_SOURCE = path.join(ROOT, 'src', 'contract.ts');
export const CONTRACT_COPY = path.join(ROOT, 'miniprogram', 'types', 'contract.ts');

const HEADER = [
  '// Generated from src/contract.ts by `npm run miniprogram:types`: do not edit.',
  '// The Mini Program and the cloud functions share these types; `npm test` fails when this copy is stale.',
  '',
].join('\n');

/** The text the copy must have. */
export function generatedContract(): string {
  return HEADER + readFileSync(CONTRACT_SOURCE, 'utf8');
}

/** True when the copy on disk is current. */
export function contractCopyIsCurrent(): boolean {
  try {
    return readFileSync(CONTRACT_COPY, 'utf8') === generatedContract();
  } catch {
    return false;
  }
}

const USAGE = `Usage: npm run miniprogram:types -- [--check]
Writes miniprogram/types/contract.ts, the Mini Program's copy of src/contract.ts.
  --check   write nothing: exit 1 when the copy is not current
  --help    this text`;

if (require.main === module) {
  const values = commandArguments('miniprogram:types', USAGE, () => {
    const parsed = parseCommandLine(process.argv.slice(2), { check: { type: 'boolean' } }).values;
    return parsed.help ? 'help' : parsed;
  });
  if (values?.check) {
    if (!contractCopyIsCurrent()) {
      console.error(`${path.relative(ROOT, CONTRACT_COPY)} is stale: run npm run miniprogram:types`);
      process.exitCode = 1;
    } else {
      console.log(`${path.relative(ROOT, CONTRACT_COPY)} is current.`);
    }
  } else if (values !== undefined) {
    writeFileSync(CONTRACT_COPY, generatedContract());
    console.log(`Wrote ${path.relative(ROOT, CONTRACT_COPY)}.`);
  }
}
