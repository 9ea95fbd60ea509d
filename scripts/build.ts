import { build } from 'esbuild';
import { existsSync, readdirSync, statSync } from 'fs';
import path from 'path';
import { readFunctionDependencies } from './deploy/stage';

/** The repository's cloudfunctions/ folder. */
export const FUNCTIONS_ROOT = path.resolve(__dirname, '../cloudfunctions');

/** The functions written in TypeScript: every cloudfunctions/<name>/ with an index.ts. */
export function listFunctions(root = FUNCTIONS_ROOT): string[] {
  return readdirSync(root)
    .filter((name) => existsSync(path.join(root, name, 'index.ts')))
    .sort();
}

/**
 * Bundles each function's index.ts, with the shared source, into cloudfunctions/<name>/index.js
 * (CommonJS for Node 16 and later). Only the dependencies listed in the function's own package.json
 * stay outside the bundle; the cloud installs those. Our functions list none: wx-server-sdk, at the
 * version in the root package.json, is bundled too, because one file loads faster than the SDK's
 * hundreds of modules from node_modules (see `npm run bench`), and the folder runs with no install.
 */
export async function buildFunctions(root = FUNCTIONS_ROOT): Promise<{ name: string; bytes: number }[]> {
  const built: { name: string; bytes: number }[] = [];
  for (const name of listFunctions(root)) {
    const functionDir = path.join(root, name);
    const outfile = path.join(functionDir, 'index.js');
    await build({
      entryPoints: [path.join(functionDir, 'index.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node16',
      format: 'cjs',
      external: Object.keys(readFunctionDependencies(functionDir)),
      legalComments: 'none',
      logLevel: 'warning',
    });
    built.push({ name, bytes: statSync(outfile).size });
  }
  return built;
}

if (require.main === module) {
  buildFunctions().then(
    (built) => {
      for (const { name, bytes } of built) console.log(`built cloudfunctions/${name}/index.js (${(bytes / 1024).toFixed(1)} KiB)`);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
