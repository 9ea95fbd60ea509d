import type { Plugin } from 'esbuild';
import { readFileSync } from 'fs';
import path from 'path';
import { type LazyRequire, LAZY_BUNDLE, LAZY_PACKAGES, LAZY_REQUIRES, SDK_REWRITES } from './lazy-modules';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** `text` with each listed statement replaced; throws unless each stands in it exactly once. */
export function applyLazyRequires(file: string, text: string, requires: readonly LazyRequire[]): string {
  let result = text;
  for (const entry of requires) {
    const found = result.split(entry.statement).length - 1;
    if (found !== 1) {
      throw new Error(
        `lazy require: expected \`${entry.statement}\` once in ${entry.file}, found it ${found} times. ` +
          'The SDK changed: read scripts/build/lazy-modules.ts again against the new version.',
      );
    }
    result = result.replace(entry.statement, () => entry.replacement);
  }
  return result;
}

/** The package a path under node_modules belongs to: `…/node_modules/@scope/name/x.js` → `@scope/name`. */
function packageOf(file: string): string {
  const parts = file.split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

/** A file's path from its last `node_modules/` on, with `/` (`axios/index.js`); undefined outside node_modules. */
export function nodeModulesPath(file: string): string | undefined {
  const posix = file.split(path.sep).join('/');
  const index = posix.lastIndexOf('node_modules/');
  return index < 0 ? undefined : posix.slice(index + 'node_modules/'.length);
}

/** The esbuild namespace of the stand-ins in bundle.js for modules of the lazy bundle; their ids are `lazy-bundle:axios/index.js`. */
export const LAZY_BUNDLE_NAMESPACE = 'lazy-bundle';

/** What bundle.js has for a module of the lazy bundle: a module that requires it from there, by its node_modules path. */
function standInSource(id: string): string {
  const file = JSON.stringify(`./${LAZY_BUNDLE}`);
  const missing = JSON.stringify(
    `${LAZY_BUNDLE} is missing beside bundle.js, and ${id} is in it: upload the function folder as npm run build writes it (index.js, bundle.js, ${LAZY_BUNDLE}, config.json, package.json)`,
  );
  return [
    'let lazyBundle;',
    'try {',
    `  lazyBundle = require(${file});`,
    '} catch (error) {',
    `  if (error && error.code === "MODULE_NOT_FOUND" && String(error.message).includes(${JSON.stringify(LAZY_BUNDLE)})) throw Object.assign(new Error(${missing}), { code: "MODULE_NOT_FOUND" });`,
    '  throw error;',
    '}',
    `module.exports = lazyBundle(${JSON.stringify(id)});`,
    '',
  ].join('\n');
}

/**
 * An esbuild plugin for bundle.js: a require (from anywhere in the bundle) of a module of one of `packages`
 * (by default {@link LAZY_PACKAGES}) is bundled as a stand-in that requires the module from
 * {@link LAZY_BUNDLE} when the stand-in itself is first evaluated, which on our functions' paths it never
 * is ({@link lazyRequirePlugin} defers the requires that would). Each module so stood in for is added to
 * `modules` (resolved path by node_modules path), the entries of the lazy bundle.
 */
export function lazyBundleSplitPlugin(modules: Map<string, string>, packages: ReadonlySet<string> = LAZY_PACKAGES): Plugin {
  const lazyBundle = new RegExp(`^\\./${escapeRegExp(LAZY_BUNDLE)}$`);
  return {
    name: 'lazy-bundle-split',
    setup(build) {
      build.onStart(() => modules.clear());
      build.onResolve({ filter: lazyBundle }, (args) => (args.namespace === LAZY_BUNDLE_NAMESPACE ? { path: args.path, external: true } : undefined));
      build.onResolve({ filter: /^[^./]|^\.\.?\// }, async (args) => {
        if (args.kind === 'entry-point' || args.namespace !== 'file' || (args.pluginData as { split?: boolean } | undefined)?.split) return undefined;
        const importer = nodeModulesPath(args.importer);
        if (importer !== undefined && packages.has(packageOf(importer))) return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { split: true } });
        if (resolved.errors.length > 0 || resolved.external || resolved.namespace !== 'file') return undefined;
        const id = nodeModulesPath(resolved.path);
        if (id === undefined || !packages.has(packageOf(id))) return undefined;
        modules.set(id, resolved.path);
        return { path: id, namespace: LAZY_BUNDLE_NAMESPACE };
      });
      build.onLoad({ filter: /.*/, namespace: LAZY_BUNDLE_NAMESPACE }, (args) => ({ contents: standInSource(args.path), loader: 'js' }));
    },
  };
}

/** The entry of the lazy bundle: its export takes a node_modules path and returns that module, evaluated on first use. */
export function lazyBundleEntry(modules: ReadonlyMap<string, string>): string {
  const table = [...modules]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, file]) => `  ${JSON.stringify(id)}: () => require(${JSON.stringify(file)}),`);
  return [
    `// The modules bundle.js defers to first use (scripts/build/lazy-modules.ts), by their path under node_modules.`,
    'const modules = {',
    ...table,
    '};',
    'module.exports = function lazyBundleModule(id) {',
    '  const load = modules[id];',
    `  if (!load) throw new Error("${LAZY_BUNDLE} has no module " + id + ": build the function again (npm run build writes bundle.js and ${LAZY_BUNDLE} together)");`,
    '  return load();',
    '};',
    '',
  ].join('\n');
}

/**
 * An esbuild plugin that defers the requires of `requires` (by default {@link LAZY_REQUIRES}, with the other
 * rewrites of {@link SDK_REWRITES}) to first use, in the bundle only. The build fails if a listed file is not in the bundle while other files of its package
 * are (the package changed); a package left out of the bundle altogether (external) is no concern.
 */
export function lazyRequirePlugin(requires: readonly LazyRequire[] = [...LAZY_REQUIRES, ...SDK_REWRITES]): Plugin {
  const byFile = new Map<string, LazyRequire[]>();
  for (const entry of requires) byFile.set(entry.file, [...(byFile.get(entry.file) ?? []), entry]);
  const filter = new RegExp(`[\\\\/]node_modules[\\\\/](${[...byFile.keys()].map(escapeRegExp).join('|')})$`);
  return {
    name: 'lazy-require',
    setup(build) {
      build.initialOptions.metafile = true;
      const seen = new Set<string>();
      build.onStart(() => seen.clear());
      build.onLoad({ filter }, (args) => {
        const file = args.path.split(path.sep).join('/').replace(/^.*\/node_modules\//, '');
        const entries = byFile.get(file);
        if (!entries) return undefined;
        seen.add(file);
        return { contents: applyLazyRequires(file, readFileSync(args.path, 'utf8'), entries), loader: 'js', resolveDir: path.dirname(args.path) };
      });
      build.onEnd((result) => {
        if (result.errors.length > 0) return;
        const bundled = Object.keys(result.metafile?.inputs ?? {}).map((input) => input.replace(/^.*node_modules\//, ''));
        const missing = [...byFile.keys()].filter(
          (file) => !seen.has(file) && bundled.some((input) => input.startsWith(`${packageOf(file)}/`)),
        );
        if (missing.length > 0) {
          return { errors: [{ text: `lazy require: ${missing.join(', ')} is no longer in the bundle; the SDK changed: read scripts/build/lazy-modules.ts again` }] };
        }
        return undefined;
      });
    },
  };
}
