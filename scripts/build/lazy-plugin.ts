import type { Plugin } from 'esbuild';
import { readFileSync } from 'fs';
import path from 'path';
import { type LazyRequire, LAZY_REQUIRES } from './lazy-modules';

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

/**
 * An esbuild plugin that defers the requires of `requires` (by default {@link LAZY_REQUIRES}) to first use,
 * in the bundle only. The build fails if a listed file is not in the bundle while other files of its package
 * are (the package changed); a package left out of the bundle altogether (external) is no concern.
 */
export function lazyRequirePlugin(requires: readonly LazyRequire[] = LAZY_REQUIRES): Plugin {
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
