import { chmodSync, rmSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';
import type { FunctionPlan } from './changes';
import { CloudApiError, type CloudApi } from './cloud-api';
import { FunctionDeployError } from './errors';
import { Clock, WaitBounds, waitUntilActive, waitUntilDeleted } from './remote';
import { formatTriggerChange } from './triggers';

/**
 * What CreateFunction is given besides the declared settings, as CloudBase's own toolchain sends it
 * (@cloudbase/manager-node 5.6.5 createFunction): the role CloudBase functions run with, and the stamp
 * that marks a Mini Program cloud function (not in SCF's public model, but what manager-node sends).
 */
export const CLOUDBASE_FUNCTION_ROLE = 'TCB_QcsRole';
export const MINI_PROGRAM_STAMP = 'MINI_QCBASE';

/** Where and how the writes go. */
export interface ApplyContext {
  scf: CloudApi;
  namespace: string;
  clock: Clock;
  pollMs: number;
  bounds: WaitBounds;
  print: (line: string) => void;
  /** Where a recreate saves the function's variables before deleting it; os.tmpdir() by default (outside the repository). */
  backupDir?: string;
}

function target(plan: FunctionPlan, context: ApplyContext): { FunctionName: string; Namespace: string } {
  return { FunctionName: plan.name, Namespace: context.namespace };
}

function installDependency(plan: FunctionPlan): 'TRUE' | 'FALSE' {
  return plan.declared.installDependency ? 'TRUE' : 'FALSE';
}

/** The code parameters: the zip inline as base64, and whether the cloud runs npm install. */
function code(plan: FunctionPlan): { InstallDependency: 'TRUE' | 'FALSE'; Code: { ZipFile: string } } {
  return { InstallDependency: installDependency(plan), Code: { ZipFile: plan.zip.toString('base64') } };
}

async function waitActive(plan: FunctionPlan, context: ApplyContext, after: string, bound: keyof WaitBounds, acceptUpdateFailed = false): Promise<string> {
  const wait = { name: plan.name, after, boundMs: context.bounds[bound], clock: context.clock, pollMs: context.pollMs };
  return waitUntilActive(context.scf, context.namespace, wait, acceptUpdateFailed);
}

async function create(plan: FunctionPlan, context: ApplyContext): Promise<void> {
  const { declared } = plan;
  context.print(`${plan.name}: CreateFunction on ${declared.runtime}, ${declared.timeout} s, ${declared.memorySize} MB, ${plan.variables.length} variables…`);
  await context.scf.call('CreateFunction', {
    ...target(plan, context),
    Runtime: declared.runtime,
    Handler: declared.handler,
    Timeout: declared.timeout,
    MemorySize: declared.memorySize,
    Role: CLOUDBASE_FUNCTION_ROLE,
    Stamp: MINI_PROGRAM_STAMP,
    Environment: { Variables: plan.variables },
    ...code(plan),
  });
  await waitActive(plan, context, 'after CreateFunction', 'create');
}

async function update(plan: FunctionPlan, context: ApplyContext): Promise<void> {
  const status = await waitActive(plan, context, 'before the deploy changes it', 'beforeChange', true);
  if (status === 'UpdateFailed') context.print(`${plan.name}: its last update failed (${plan.remote?.statusReasons.join('; ') || 'no reason given'}); updating it again.`);
  context.print(`${plan.name}: UpdateFunctionCode (InstallDependency ${installDependency(plan)})…`);
  await context.scf.call('UpdateFunctionCode', { ...target(plan, context), Handler: plan.declared.handler, ...code(plan) });
  await waitActive(plan, context, 'after UpdateFunctionCode', 'code');
  if (!plan.configurationChanged) {
    context.print(`${plan.name}: time limit, memory and variables unchanged.`);
    return;
  }
  context.print(`${plan.name}: UpdateFunctionConfiguration (${plan.declared.timeout} s, ${plan.declared.memorySize} MB, ${plan.variables.length} variables)…`);
  await context.scf.call('UpdateFunctionConfiguration', {
    ...target(plan, context),
    Timeout: plan.declared.timeout,
    MemorySize: plan.declared.memorySize,
    Environment: { Variables: plan.variables },
  });
  await waitActive(plan, context, 'after UpdateFunctionConfiguration', 'configuration');
}

/** Sets the retry count of failed asynchronous runs, keeping the function's message TTL (both fields are required). */
async function setRetryCount(plan: FunctionPlan, context: ApplyContext): Promise<void> {
  if (plan.retryNum === undefined) return;
  const current = await context.scf.call('GetFunctionEventInvokeConfig', target(plan, context));
  const config = (current.AsyncTriggerConfig ?? {}) as { RetryConfig?: { RetryNum?: unknown }[]; MsgTTL?: unknown };
  if (config.RetryConfig?.[0]?.RetryNum === plan.retryNum) return;
  context.print(`${plan.name}: UpdateFunctionEventInvokeConfig (retry count ${plan.retryNum})…`);
  // Both fields are required; MsgTTL is kept as the function has it (6 hours if it somehow has none).
  const msgTtl = typeof config.MsgTTL === 'number' ? config.MsgTTL : 21_600;
  await context.scf.call('UpdateFunctionEventInvokeConfig', { ...target(plan, context), AsyncTriggerConfig: { RetryConfig: [{ RetryNum: plan.retryNum }], MsgTTL: msgTtl } });
}

async function applyTriggers(plan: FunctionPlan, context: ApplyContext): Promise<void> {
  for (const change of plan.triggerChanges) {
    if (change.kind === 'unchanged') continue;
    context.print(`${plan.name}: trigger ${formatTriggerChange(change)}`);
    if (change.kind === 'remove' || change.kind === 'replace') {
      await context.scf.call('DeleteTrigger', { ...target(plan, context), TriggerName: change.current.name, Type: 'timer' });
    }
    if (change.kind === 'create' || change.kind === 'replace') {
      const { name, config } = change.timer;
      await context.scf.call('CreateTrigger', { ...target(plan, context), TriggerName: name, Type: 'timer', TriggerDesc: config, Enable: 'OPEN' });
    }
  }
}

/**
 * Writes the variables a function carries to a new file in `dir` (JSON, mode 0600, never an existing
 * file), named after the function and the time, before a recreate deletes it. Returns its path.
 */
export function saveVariables(plan: FunctionPlan, context: ApplyContext): string {
  const dir = context.backupDir ?? os.tmpdir();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(dir, `deploy-${plan.name}-variables-${stamp}.json`);
  const variables = plan.remote?.variables ?? [];
  const backup = { function: plan.name, namespace: context.namespace, runtime: plan.remote?.runtime ?? '', savedAt: new Date().toISOString(), variables };
  try {
    writeFileSync(file, `${JSON.stringify(backup, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new FunctionDeployError(
      plan.name,
      `${plan.name} was not deleted: its environment variables could not be saved to ${file} first (${reason}). Nothing was changed on it; ` +
        `make sure ${dir} exists and is writable (or point TMPDIR at one that is), then run npm run deploy -- --recreate ${plan.name} again.`,
    );
  }
  return file;
}

function names(plan: FunctionPlan): string {
  const variables = plan.remote?.variables ?? [];
  return variables.length === 0 ? 'none' : variables.map((variable) => variable.Key).join(', ');
}

/** The end of every message after the delete: where the variables are, and how to restore the function. */
function restoreAdvice(plan: FunctionPlan, file: string): string {
  const count = plan.remote?.variables.length ?? 0;
  return (
    `Its ${count} environment variable${count === 1 ? '' : 's'} (${names(plan)}) are saved, values included, in ${file} (JSON, readable only by you; not printed here). ` +
    `To restore it: in the cloud console (云开发控制台 → 云函数 → 新建云函数) create ${plan.name} on ${plan.declared.runtime}, set those variables from the file, ` +
    `and upload the code from WeChat DevTools; or fix the cause and run npm run deploy -- --only ${plan.name}, which creates it with the variables cloudbaserc.json declares ` +
    `(those set only in the console must then be set again from the file). Delete the file once it is restored.`
  );
}

function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
}

/**
 * A recreate: save the variables, DeleteFunction, wait until it is gone, create it with the merged
 * variables, then remove the saved file. A failure after the delete names the file and how to restore.
 */
async function recreate(plan: FunctionPlan, context: ApplyContext): Promise<void> {
  const file = saveVariables(plan, context);
  context.print(`${plan.name}: its environment variables (${names(plan)}) saved to ${file} (mode 0600), in case the creation fails.`);
  context.print(`${plan.name}: DeleteFunction (it is on ${plan.remote?.runtime ?? 'an unknown runtime'})…`);
  try {
    await context.scf.call('DeleteFunction', target(plan, context));
  } catch (error) {
    if (error instanceof CloudApiError && error.code !== '') {
      rmSync(file, { force: true });
      throw new FunctionDeployError(plan.name, `${reasonOf(error)}. ${plan.name} was not deleted and nothing was changed on it; run npm run deploy -- --recreate ${plan.name} again once it is fixed.`);
    }
    throw new FunctionDeployError(plan.name, `DeleteFunction got no answer (${reasonOf(error)}): ${plan.name} may or may not have been deleted; check the cloud console. ${restoreAdvice(plan, file)}`);
  }
  try {
    await waitUntilDeleted(context.scf, context.namespace, { name: plan.name, after: 'after DeleteFunction', boundMs: context.bounds.delete, clock: context.clock, pollMs: context.pollMs });
    await create(plan, context);
  } catch (error) {
    if (!(error instanceof FunctionDeployError || error instanceof CloudApiError)) throw error;
    throw new FunctionDeployError(plan.name, `The deploy deleted ${plan.name} (DeleteFunction succeeded), then this failed: ${reasonOf(error)}. ${restoreAdvice(plan, file)}`);
  }
  rmSync(file, { force: true });
  context.print(`${plan.name}: created again with its variables; ${file} removed.`);
}

/**
 * Carries out one function's plan: create (CreateFunction, wait), update (wait, UpdateFunctionCode,
 * wait, UpdateFunctionConfiguration when something changed, wait) or recreate (save the variables to a
 * file, DeleteFunction, wait until gone, create, remove the file); then its retry count and timers. A
 * refused plan is not applied.
 *
 * @throws {FunctionDeployError} from a wait (its bound, CreateFailed/UpdateFailed), or a recreate's
 * failure (saying whether it was deleted and where its variables are); {@link CloudApiError} from a call
 */
export async function applyPlan(plan: FunctionPlan, context: ApplyContext): Promise<void> {
  if (plan.action === 'refused') return;
  if (plan.action === 'recreate') await recreate(plan, context);
  else if (plan.action === 'update') await update(plan, context);
  else await create(plan, context);
  await setRetryCount(plan, context);
  await applyTriggers(plan, context);
  context.print(`${plan.name}: done (${plan.action === 'update' ? 'updated' : plan.action === 'create' ? 'created' : 'recreated'}).`);
}
