import { type BuildOptions, type Metafile, type OutputFile, build } from 'esbuild';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'fs';
import path from 'path';
import { toAsciiBundle } from './build/ascii';
import { commandArguments, parseCommandLine } from './command-line';
import { BUILT_FILES, SUPPORTED_FLOOR, loaderSource } from './build/loader';
import { LAZY_BUNDLE, SINGLE_COPY_PACKAGES } from './build/lazy-modules';
import { lazyBundleEntry, lazyBundleSplitPlugin, lazyRequirePlugin, nodeModulesPath } from './build/lazy-plugin';
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
export async function buildFunctions(root = FUNCTIONS_ROOT): Promise<{ name: string; bytes: number; files: string[] }[]> {
  return Promise.all(listFunctions(root).map((name) => buildFunction(path.join(root, name))));
}

/** How {@link bundleEntry} bundles one entry. */
export interface BundleOptions {
  /** The module to bundle (a function's index.ts). */
  entry: string;
  /** The folder bundle.js and, when anything is deferred, bundle-lazy.js are written to. */
  outdir: string;
  /** Packages left to the cloud's npm install (the function's own dependencies). */
  external?: string[];
  /** Folders to resolve packages from besides the entry's node_modules (tests that bundle from a temp folder). */
  nodePaths?: string[];
}

/** The files {@link bundleEntry} wrote, and their sizes in bytes. */
export interface BundledFiles {
  bundle: number;
  /** Absent when nothing of the lazy packages is bundled (a function that has the cloud install wx-server-sdk). */
  lazyBundle?: number;
}

function onlyOutput(files: OutputFile[] | undefined, what: string): OutputFile {
  const [output] = files ?? [];
  if (!output || files?.length !== 1) throw new Error(`esbuild wrote ${files?.length ?? 0} files for ${what}`);
  return output;
}

/** The bundled modules of a build under node_modules whose package must have a single copy. */
function singleCopyInputs(metafile: Metafile | undefined): string[] {
  return Object.keys(metafile?.inputs ?? {}).filter((input) => {
    const file = nodeModulesPath(input);
    const parts = file?.split('/') ?? [];
    const name = parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    return name !== undefined && SINGLE_COPY_PACKAGES.some((pattern) => pattern.test(name));
  });
}

/**
 * Bundles `entry` into `outdir/bundle.js` (CommonJS for {@link SUPPORTED_FLOOR} and later), all ASCII, with
 * the SDK's requires of modules no function path uses deferred (scripts/build/lazy-modules.ts), and those
 * modules themselves in a second file, `outdir/bundle-lazy.js`, which bundle.js requires only when one of
 * them is first used. Throws if a module of an SDK package that holds state would be in both files.
 */
export async function bundleEntry(options: BundleOptions): Promise<BundledFiles> {
  const common: BuildOptions = {
    bundle: true,
    write: false,
    platform: 'node',
    target: `node${SUPPORTED_FLOOR.version}`,
    format: 'cjs',
    external: options.external ?? [],
    nodePaths: options.nodePaths,
    legalComments: 'none',
    charset: 'ascii',
    logLevel: 'warning',
    metafile: true,
  };
  const deferred = new Map<string, string>();
  const bundleFile = path.join(options.outdir, BUILT_FILES.bundle);
  const lazyFile = path.join(options.outdir, LAZY_BUNDLE);
  const main = await build({
    ...common,
    entryPoints: [options.entry],
    outfile: bundleFile,
    plugins: [lazyRequirePlugin(), lazyBundleSplitPlugin(deferred)],
  });
  const mainOutput = onlyOutput(main.outputFiles, options.entry);
  const written: BundledFiles = { bundle: 0 };
  let lazyCode: string | undefined;
  if (deferred.size > 0) {
    const lazy = await build({
      ...common,
      stdin: { contents: lazyBundleEntry(deferred), resolveDir: options.outdir, sourcefile: `${LAZY_BUNDLE} (entry)`, loader: 'js' },
      outfile: lazyFile,
    });
    const lazyOutput = onlyOutput(lazy.outputFiles, `${LAZY_BUNDLE} of ${options.entry}`);
    const inMain = new Set(Object.keys(main.metafile?.inputs ?? {}));
    const twice = singleCopyInputs(lazy.metafile).filter((input) => inMain.has(input));
    if (twice.length > 0) {
      throw new Error(
        `${LAZY_BUNDLE}: ${twice.join(', ')} would be bundled into both files, with state of its own in each: ` +
          'a package of scripts/build/lazy-modules.ts requires SDK code that bundle.js has; keep that require in bundle.js (leave its package off the list)',
      );
    }
    lazyCode = (await toAsciiBundle(lazyOutput.text)).code;
  }
  const { code } = await toAsciiBundle(mainOutput.text);
  writeFileSync(bundleFile, code);
  written.bundle = Buffer.byteLength(code);
  if (lazyCode === undefined) rmSync(lazyFile, { force: true });
  else {
    writeFileSync(lazyFile, lazyCode);
    written.lazyBundle = Buffer.byteLength(lazyCode);
  }
  return written;
}

async function buildFunction(functionDir: string): Promise<{ name: string; bytes: number; files: string[] }> {
  const bundled = await bundleEntry({ entry: path.join(functionDir, 'index.ts'), outdir: functionDir, external: Object.keys(readFunctionDependencies(functionDir)) });
  writeFileSync(path.join(functionDir, BUILT_FILES.loader), loaderSource(path.basename(functionDir)));
  rmSync(path.join(functionDir, 'bundle.cache'), { force: true });
  const files = [...Object.values(BUILT_FILES), ...(bundled.lazyBundle === undefined ? [] : [LAZY_BUNDLE])];
  const bytes = files.reduce((total, file) => total + statSync(path.join(functionDir, file)).size, 0);
  return { name: path.basename(functionDir), bytes, files };
}

const USAGE = `Usage: npm run build
Bundles each cloudfunctions/<name>/index.ts into bundle.js (and bundle-lazy.js), with the loader index.js beside it.
It takes no options but --help.`;

if (require.main === module && commandArguments('build', USAGE, () => (parseCommandLine(process.argv.slice(2), {}).values.help ? 'help' : true))) {
  buildFunctions().then(
    (built) => {
      for (const { name, bytes, files } of built) console.log(`built cloudfunctions/${name}/: ${files.join(', ')} (${(bytes / 1024).toFixed(1)} KiB)`);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
