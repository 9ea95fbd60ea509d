import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'fs';
import path from 'path';
import { toAsciiBundle } from './build/ascii';
import { BUILT_FILES, SUPPORTED_FLOOR, loaderSource } from './build/loader';
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
 * Bundles each function's index.ts, with the shared source, into cloudfunctions/<name>/bundle.js
 * (CommonJS for Node 16.13 and later: {@link SUPPORTED_FLOOR}). Only the dependencies listed in the function's own package.json
 * stay outside the bundle; the cloud installs those. Our functions list none: wx-server-sdk, at the
 * version in the root package.json, is bundled too, because one file loads faster than the SDK's
 * hundreds of modules from node_modules (see `npm run bench`), and the folder runs with no install.
 *
 * For a faster cold start, the bundle defers to first use the SDK's modules that our functions never
 * use (scripts/build/lazy-modules.ts), and is written all ASCII (scripts/build/ascii.ts). Names are kept:
 * minifying them made the load slower and the cloud logs unreadable.
 *
 * Beside it, index.js is a loader that every runtime parses: it checks the Node.js version and loads
 * bundle.js, or fails each invocation with what to do on a runtime below the floor
 * (scripts/build/loader.ts). No V8 code cache is shipped: the platform never runs the binary that
 * would make it, and a cache of another build of the same V8 crashes Node (docs/decisions/no-code-cache.md).
 */
export async function buildFunctions(root = FUNCTIONS_ROOT): Promise<{ name: string; bytes: number }[]> {
  return Promise.all(listFunctions(root).map((name) => buildFunction(path.join(root, name))));
}

async function buildFunction(functionDir: string): Promise<{ name: string; bytes: number }> {
  const outfile = path.join(functionDir, BUILT_FILES.bundle);
  const result = await build({
    entryPoints: [path.join(functionDir, 'index.ts')],
    outfile,
    write: false,
    bundle: true,
    platform: 'node',
    target: `node${SUPPORTED_FLOOR.version}`,
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
  writeFileSync(path.join(functionDir, BUILT_FILES.loader), loaderSource(path.basename(functionDir)));
  rmSync(path.join(functionDir, 'bundle.cache'), { force: true });
  const bytes = Object.values(BUILT_FILES).reduce((total, file) => total + statSync(path.join(functionDir, file)).size, 0);
  return { name: path.basename(functionDir), bytes };
}

if (require.main === module) {
  buildFunctions().then(
    (built) => {
      for (const { name, bytes } of built) console.log(`built cloudfunctions/${name}/: index.js, bundle.js (${(bytes / 1024).toFixed(1)} KiB)`);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
