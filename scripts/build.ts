import { build } from 'esbuild';
import { existsSync, readdirSync, statSync, writeFileSync } from 'fs';
import path from 'path';
import { toAsciiBundle } from './build/ascii';
import { CODE_CACHE_BUILD_ENV, CODE_CACHE_FILES, addCodeCache } from './build/code-cache';
import { lazyRequirePlugin } from './build/lazy-plugin';
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
 *
 * For a faster cold start, the bundle defers to first use the SDK's modules that our functions never
 * use (scripts/build/lazy-modules.ts), and is written all ASCII (scripts/build/ascii.ts). Names are kept:
 * minifying them made the load slower and the cloud logs unreadable.
 *
 * The bundle is written as bundle.js, with V8's code cache for it (bundle.cache, made by loading the
 * function once with this Node) and index.js, a small loader that runs bundle.js through that cache and
 * compiles it from source when the cache is missing, unreadable or not for this Node
 * (scripts/build/code-cache.ts). Stack traces name bundle.js, with its line numbers.
 */
export async function buildFunctions(root = FUNCTIONS_ROOT): Promise<{ name: string; bytes: number }[]> {
  return Promise.all(listFunctions(root).map((name) => buildFunction(path.join(root, name))));
}

async function buildFunction(functionDir: string): Promise<{ name: string; bytes: number }> {
  const outfile = path.join(functionDir, 'index.js');
  const result = await build({
    entryPoints: [path.join(functionDir, 'index.ts')],
    outfile,
    write: false,
    bundle: true,
    platform: 'node',
    target: 'node16',
    format: 'cjs',
    external: Object.keys(readFunctionDependencies(functionDir)),
    legalComments: 'none',
    charset: 'ascii',
    plugins: [lazyRequirePlugin()],
    logLevel: 'warning',
  });
  const [output] = result.outputFiles;
  if (!output || result.outputFiles.length !== 1) throw new Error(`esbuild wrote ${result.outputFiles.length} files for ${functionDir}`);
  const { code } = await toAsciiBundle(output.text);
  writeFileSync(outfile, code);
  addCodeCache(functionDir, CODE_CACHE_BUILD_ENV);
  const bytes = Object.values(CODE_CACHE_FILES).reduce((total, file) => total + statSync(path.join(functionDir, file)).size, 0);
  return { name: path.basename(functionDir), bytes };
}

if (require.main === module) {
  buildFunctions().then(
    (built) => {
      for (const { name, bytes } of built) console.log(`built cloudfunctions/${name}/: index.js, bundle.js, bundle.cache (${(bytes / 1024).toFixed(1)} KiB)`);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
