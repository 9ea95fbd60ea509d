import { readFileSync, writeFileSync } from 'fs';

/** The text in esbuild's CommonJS wrapper that runs a bundled module's body the first time it is required. */
const FIRST_EVALUATION = 'return mod || (0, cb[__getOwnPropNames(cb)[0]])(';
const TRACE_GLOBAL = '__evaluatedBundleModules';

/** What an instrumented function replies. */
export interface TracedReply {
  /** What the function replied. */
  reply: unknown;
  /** The path of every bundled CommonJS module whose body ran, in order, by the time main settled. */
  evaluated: string[];
  /** Node's built-in modules loaded by then (`process.moduleLoadList`). */
  nodeModules: string[];
}

/**
 * Rewrites a built index.js so that it records, in order, the path of every bundled CommonJS module whose
 * body runs, and so that `main` replies a {@link TracedReply}. Throws if the bundle no longer has the wrapper
 * text it instruments.
 */
export function instrumentBundle(source: string): string {
  const occurrences = source.split(FIRST_EVALUATION).length - 1;
  if (occurrences !== 1) throw new Error(`expected esbuild's __commonJS wrapper once in the bundle, found it ${occurrences} times`);
  const traced = source.replace(
    FIRST_EVALUATION,
    `return mod || (globalThis.${TRACE_GLOBAL}.push(__getOwnPropNames(cb)[0]), 0, cb[__getOwnPropNames(cb)[0]])(`,
  );
  return [
    `globalThis.${TRACE_GLOBAL} = [];`,
    traced,
    ';{',
    '  const traced = module.exports;',
    `  module.exports = { main: async (...args) => ({ reply: await traced.main(...args), evaluated: [...globalThis.${TRACE_GLOBAL}], nodeModules: [...process.moduleLoadList] }) };`,
    '}',
    '',
  ].join('\n');
}

/** Instruments the bundle at `file` (a built bundle.js) in place (use it on a copy); its code cache, if any, no longer matches and is rejected. */
export function instrumentBundleFile(file: string): void {
  writeFileSync(file, instrumentBundle(readFileSync(file, 'utf8')));
}

/** The package a bundled module path belongs to: `node_modules/@scope/name/lib/x.js` → `@scope/name`; undefined for our own source. */
export function packageOfModulePath(modulePath: string): string | undefined {
  const index = modulePath.lastIndexOf('node_modules/');
  if (index < 0) return undefined;
  const parts = modulePath.slice(index + 'node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** Every bundled CommonJS module path in a built index.js, in bundle order. */
export function bundledModulePaths(source: string): string[] {
  return [...source.matchAll(/= __commonJS\(\{\n\s+"([^"]+)"\(/g)].map((match) => match[1] as string);
}
