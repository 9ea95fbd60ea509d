import type { DeclaredFunction } from './cloudbaserc';
import type { TimerTrigger } from './config';
import type { RemoteFunction } from './remote';
import { foreignRuntimeText, isNodeRuntime, judgeRuntime } from './runtime';
import { TriggerChange, diffTimers } from './triggers';
import { Variable, VariableChange, mergeVariables } from './variables';

/** What deploying one function needs before the platform is read: its declaration and its staged code. */
export interface StagedFunction {
  name: string;
  declared: DeclaredFunction;
  /** config.json `permissions.openapi`. */
  openapi: string[];
  /** config.json `triggers`. */
  timers: TimerTrigger[];
  /** The staged (uploaded) files with their sizes in bytes. */
  files: { file: string; bytes: number }[];
  zip: Buffer;
}

/** create: missing; update: in place; recreate: delete, then create (--recreate); refused: left alone, with why. */
export type FunctionAction = 'create' | 'update' | 'recreate' | 'refused';

/** What the deploy will do to one function, decided from the platform's current state. */
export interface FunctionPlan extends StagedFunction {
  action: FunctionAction;
  /** The function as it is; undefined when it does not exist. */
  remote?: RemoteFunction;
  /** The runtime the function will run on, and whether that is acceptable, as a phrase. */
  runtimeText: string;
  /** Why it is refused (action `refused`). */
  refusal?: string;
  /** The whole set of variables to send, and how each changed. */
  variables: Variable[];
  variableChanges: VariableChange[];
  triggerChanges: TriggerChange[];
  /** Whether timeout, memory or variables differ from the function's (an update then sends UpdateFunctionConfiguration). */
  configurationChanged: boolean;
  /** The retry count to set, when cloudbaserc.json declares one that the function does not have. */
  retryNum?: number;
}

function sameVariables(a: readonly Variable[], b: readonly Variable[]): boolean {
  const map = new Map(a.map((variable) => [variable.Key, variable.Value]));
  return a.length === b.length && b.every((variable) => map.get(variable.Key) === variable.Value);
}

/**
 * Why a function the platform reports no runtime for is left alone (even with --recreate: the deploy
 * cannot tell it is a Node.js function). While it is being created or updated that may pass; an Active
 * one will not become something else by waiting.
 */
function noRuntimeText(name: string, status: string): string {
  if (status === 'Creating' || status === 'Updating') return `the platform reports no runtime for it while it is ${status}: wait until it is Active, then deploy again.`;
  return (
    `the platform reported no runtime for it (status ${status || 'unknown'}), so the deploy cannot tell whether it is a Node.js function and leaves it alone. ` +
    `Check its runtime in the cloud console (云开发控制台 → 云函数 → ${name}) and that --env / WX_CLOUD_ENV names the right environment; ` +
    `if it is a function of ours that is broken, delete it in the console and deploy again (it is then created).`
  );
}

function refusalOf(staged: StagedFunction, remote: RemoteFunction, recreate: boolean): string | undefined {
  if (remote.status === 'Deleting') return 'it is being deleted: wait until the console no longer lists it, then deploy again (it is then created).';
  if (remote.runtime === '') return noRuntimeText(staged.name, remote.status);
  // Checked before --recreate: a function that is not a Node.js one is never deleted.
  if (!isNodeRuntime(remote.runtime)) return `runtime ${foreignRuntimeText(staged.name, remote.runtime)}`;
  if (recreate) return undefined;
  const verdict = judgeRuntime(staged.name, remote.runtime, staged.declared.runtime);
  if (!verdict.acceptable) return `runtime ${verdict.text}`;
  if (remote.status === 'CreateFailed') {
    return `it is CreateFailed (${remote.statusReasons.join('; ') || 'no reason given'}): deploy with --recreate ${staged.name}, or delete it in the console and deploy again.`;
  }
  return undefined;
}

/**
 * Decides what to do with one function from its current state (`remote`, undefined when it does not
 * exist): create it on the declared runtime, update it in place, recreate it (`recreate`, from
 * --recreate), or refuse it (a runtime below the floor, CreateFailed, being deleted; and, even with
 * --recreate, a runtime that is not `Nodejs<major>.<minor>` or none reported). Variables are
 * merged with the current ones (read before a recreate deletes it); timers are compared with config.json.
 *
 * @param deployer - the deployer's environment, for `{{env.NAME}}` values
 */
export function planFunction(staged: StagedFunction, remote: RemoteFunction | undefined, recreate: boolean, deployer: NodeJS.ProcessEnv): FunctionPlan {
  const { declared } = staged;
  const merged = mergeVariables(remote?.variables ?? [], declared.envVariables, deployer);
  const base = { ...staged, ...(remote === undefined ? {} : { remote }), variables: merged.variables, variableChanges: merged.changes };
  if (remote === undefined) {
    return { ...base, action: 'create', runtimeText: `${declared.runtime} (new function)`, triggerChanges: diffTimers([], staged.timers), configurationChanged: true, ...retryOf(declared, undefined) };
  }
  const refusal = refusalOf(staged, remote, recreate);
  if (refusal !== undefined) {
    return { ...base, action: 'refused', refusal, runtimeText: remote.runtime, triggerChanges: [], configurationChanged: false };
  }
  if (recreate) {
    const runtimeText = `${declared.runtime} (recreated; it was on ${remote.runtime})`;
    return { ...base, action: 'recreate', runtimeText, triggerChanges: diffTimers([], staged.timers), configurationChanged: true, ...retryOf(declared, undefined) };
  }
  const configurationChanged = remote.timeout !== declared.timeout || remote.memorySize !== declared.memorySize || !sameVariables(remote.variables, merged.variables);
  return {
    ...base,
    action: 'update',
    runtimeText: judgeRuntime(staged.name, remote.runtime, declared.runtime).text,
    triggerChanges: diffTimers(remote.timers, staged.timers),
    configurationChanged,
    ...retryOf(declared, remote),
  };
}

function retryOf(declared: DeclaredFunction, remote: RemoteFunction | undefined): { retryNum?: number } {
  if (declared.retryCount === undefined || remote?.retry?.retryNum === declared.retryCount) return {};
  return { retryNum: declared.retryCount };
}
