import { OFFERED_RUNTIMES, runtimeNamed } from '@wx-monthly-analytics/cloudbase-runtimes';
import { SUPPORTED_FLOOR as BUNDLE_FLOOR } from '../build/loader';

/**
 * The oldest runtime the functions support, `Nodejs16.13`: the bundles load and answer on it and later
 * (decided once, in scripts/build/loader.ts, and tested on every offered runtime by test/runtimes). A
 * function found on an older one (8.9, 10.15, 12.16, 14.18, which older environments still hold) is
 * refused: CloudBase fixes the runtime when a function is created ("Runtime, Handler… 只能在
 * CreateFunction 时指定", @cloudbase/manager-node 5.6.5 lib/function/index.js), so the only fix is
 * deleting and recreating it.
 */
export const SUPPORTED_FLOOR: string = BUNDLE_FLOOR.name;

const NODE_RUNTIME = /^Nodejs(\d+)\.(\d+)$/;

function version(name: string): [number, number] | undefined {
  const match = NODE_RUNTIME.exec(name);
  return match === null ? undefined : [Number(match[1]), Number(match[2])];
}

/** Whether `name` is a Node.js runtime at or above {@link SUPPORTED_FLOOR} (a newer one than we know of counts). */
export function meetsFloor(name: string): boolean {
  const found = version(name);
  const floor = version(SUPPORTED_FLOOR) as [number, number];
  return found !== undefined && (found[0] > floor[0] || (found[0] === floor[0] && found[1] >= floor[1]));
}

/**
 * What is wrong with `name` as the runtime cloudbaserc.json declares for new functions, or undefined:
 * it must be one CloudBase offers for new functions (OFFERED_RUNTIMES) and meet the floor.
 */
export function declaredRuntimeProblem(name: string): string | undefined {
  const offered = OFFERED_RUNTIMES.map((runtime) => runtime.name);
  if (runtimeNamed(name)?.offered === true && meetsFloor(name)) return undefined;
  return `"${name}" is not a runtime CloudBase offers for new functions: use one of ${offered.join(', ')}`;
}

/** Whether `name` is a runtime as CloudBase names Node.js ones: `Nodejs<major>.<minor>` (`Nodejs24.11`). */
export function isNodeRuntime(name: string): boolean {
  return NODE_RUNTIME.test(name);
}

/**
 * Why a function whose runtime is not `Nodejs<major>.<minor>` (`Python3.9`, `CustomRuntime`, `Nodejs18`,
 * `Nodejs 18.15`) is left alone, even with --recreate: it is not a Node.js function, so probably not one
 * of ours, and recreating it would delete someone else's function.
 */
export function foreignRuntimeText(name: string, current: string): string {
  return (
    `${JSON.stringify(current)} is not a Node.js runtime as CloudBase names them (Nodejs<major>.<minor>, e.g. ${SUPPORTED_FLOOR}): ` +
    `the function named ${name} in this environment is not a Node.js function, or its runtime is not one CloudBase names. ` +
    'The deploy leaves it alone: it neither updates nor deletes it, even when asked to recreate it. ' +
    `Check that ${name} is the name you meant (cloudbaserc.json, the folder) ` +
    'and that --env / WX_CLOUD_ENV names the right environment.'
  );
}

/**
 * How an existing function's runtime compares with what we support: acceptable (at or above the
 * floor, kept as it is), refused as not a Node.js runtime (see {@link foreignRuntimeText}), or refused
 * as below the floor, with the fix.
 *
 * @param current - the function's Runtime (GetFunction)
 * @param declared - the runtime cloudbaserc.json declares for new functions
 */
export function judgeRuntime(name: string, current: string, declared: string): { acceptable: boolean; text: string } {
  if (!isNodeRuntime(current)) return { acceptable: false, text: foreignRuntimeText(name, current) };
  if (meetsFloor(current)) {
    const note = current === declared ? '' : `; a new function gets ${declared}, and --recreate ${name} moves this one there`;
    return { acceptable: true, text: `${current}: acceptable (${SUPPORTED_FLOOR} or later)${note}` };
  }
  return {
    acceptable: false,
    text:
      `${current} is below the supported floor ${SUPPORTED_FLOOR} (the bundles load on ${SUPPORTED_FLOOR} and later), ` +
      `and a function's runtime cannot be changed once it is created. Fix: npm run deploy -- --recreate ${name} ` +
      `(reads its environment variables, deletes it, creates it on ${declared} with them; then apply its permissions from DevTools again), ` +
      `or delete it in the console and deploy again.`,
  };
}
