import { OFFERED_RUNTIMES, type CloudBaseRuntime } from '@wx-monthly-analytics/cloudbase-runtimes';

/** The files of a built function folder: the loader the runtime requires, and the bundle it loads. */
export const BUILT_FILES = { loader: 'index.js', bundle: 'bundle.js' } as const;

/**
 * The oldest runtime the bundles load on: Nodejs16.13, the oldest CloudBase still offers.
 * - Syntax: esbuild writes the bundle for `node16` (no `??=`, class static blocks or top-level await
 *   beyond what 16 parses), so nothing newer than 16 is needed; below it the bundle's `??` and `?.`
 *   (Node 14) and optional `catch` bindings (Node 10) would not even parse.
 * - APIs: the core is type-checked against Node 16's API (`@types-floor/node`, tsconfig.floor.json),
 *   so nothing of 18 or later (global `fetch`, `structuredClone`, `AbortSignal.timeout`, `AbortSignal.any`)
 *   can slip in; it needs the global `AbortController` (Node 15) and `Array.prototype.at` (16.6).
 * - The SDK: wx-server-sdk 4.x's `@cloudbase/node-sdk` declares `engines.node >= 12`; the runtime
 *   matrix (test/runtimes) runs it on every offered runtime.
 * Nothing older is offered for new functions, so supporting 14 or 12 would only keep alive functions
 * that should be recreated anyway.
 */
export const SUPPORTED_FLOOR: CloudBaseRuntime = OFFERED_RUNTIMES[0] as CloudBaseRuntime;

/** The runtime the loader's message tells a user to recreate a function on: the newest CloudBase offers. */
export const RECOMMENDED_RUNTIME: CloudBaseRuntime = OFFERED_RUNTIMES[OFFERED_RUNTIMES.length - 1] as CloudBaseRuntime;

/** The `code` of the error a function on a runtime below the floor fails every invocation with. */
export const UNSUPPORTED_RUNTIME_CODE = 'UNSUPPORTED_RUNTIME';

/**
 * index.js of a built function: checks the Node.js version before it loads bundle.js, and on a runtime
 * below {@link SUPPORTED_FLOOR} exports a `main` that fails every invocation (a timer run too: a failed
 * invocation) with an error naming the runtime it has, the one it needs and the fix, and logs that line
 * once at load. It is written in the syntax of Node.js 8.9 (`var`, no arrow functions, no optional catch
 * binding), the oldest runtime a function can be on, so it never fails to parse: the runtime matrix loads
 * it on 8.9, 10.15, 12.16 and 14.18 as well as on every offered runtime.
 *
 * @param functionName - the function's name, for the fix (`npm run deploy -- --recreate NAME`)
 */
export function loaderSource(functionName: string): string {
  const floor = SUPPORTED_FLOOR;
  const [floorMajor, floorMinor] = floor.version.split('.').map(Number) as [number, number];
  return `'use strict';
// Loads ${BUILT_FILES.bundle} (the function, built by npm run build for ${floor.name} and later). Written for
// every Node.js a CloudBase function can be on (8.9 and later), so that on an older runtime the function
// fails with a message that says what to do instead of a SyntaxError.
var versions = process.versions.node.split('.');
var major = Number(versions[0]);
var minor = Number(versions[1]);
if (major > ${floorMajor} || (major === ${floorMajor} && minor >= ${floorMinor})) {
  module.exports = require('./${BUILT_FILES.bundle}');
} else {
  var message =
    'This cloud function runs on Node.js ' + process.versions.node + ' (runtime Nodejs' + major + '.' + minor + ') and needs ${floor.name} or later. ' +
    'A function keeps the runtime it was created with: delete ${functionName} and create it again on ${RECOMMENDED_RUNTIME.name} ' +
    '(npm run deploy -- --recreate ${functionName}), then upload it once from WeChat DevTools to apply its permissions.';
  console.error(message);
  exports.main = function main() {
    var error = new Error(message);
    error.name = 'UnsupportedRuntimeError';
    error.code = '${UNSUPPORTED_RUNTIME_CODE}';
    return Promise.reject(error);
  };
}
`;
}
