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

/**
 * An esbuild plugin that defers the requires of `requires` (by default {@link LAZY_REQUIRES}) to first use,
 * in the bundle only. `onEnd` fails the build if a listed file was not part of it.
 */
export function lazyRequirePlugin(requires: readonly LazyRequire[] = LAZY_REQUIRES): Plugin {
  const byFile = new Map<string, LazyRequire[]>();
  for (const entry of requires) byFile.set(entry.file, [...(byFile.get(entry.file) ?? []), entry]);
  const filter = new RegExp(`[\\\\/]node_modules[\\\\/](${[...byFile.keys()].map(escapeRegExp).join('|')})$`);
  return {
    name: 'lazy-require',
    setup(build) {
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
        const missing = [...byFile.keys()].filter((file) => !seen.has(file));
        if (missing.length > 0) {
          return { errors: [{ text: `lazy require: ${missing.join(', ')} is no longer in the bundle; the SDK changed: read scripts/build/lazy-modules.ts again` }] };
        }
        return undefined;
      });
    },
  };
}
