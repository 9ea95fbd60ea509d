import type { FunctionPlan } from './changes';
import type { CloudApi } from './cloud-api';
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
 * Carries out one function's plan: create (CreateFunction, wait), update (wait, UpdateFunctionCode,
 * wait, UpdateFunctionConfiguration when something changed, wait) or recreate (DeleteFunction, wait
 * until gone, then create); then its retry count and timers. A refused plan is not applied.
 *
 * @throws {FunctionDeployError} from a wait (its bound, CreateFailed/UpdateFailed); {@link CloudApiError} from a call
 */
export async function applyPlan(plan: FunctionPlan, context: ApplyContext): Promise<void> {
  if (plan.action === 'refused') return;
  if (plan.action === 'recreate') {
    context.print(`${plan.name}: DeleteFunction (it is on ${plan.remote?.runtime ?? 'an unknown runtime'}; its ${plan.variables.length} variables were read first)…`);
    await context.scf.call('DeleteFunction', target(plan, context));
    await waitUntilDeleted(context.scf, context.namespace, { name: plan.name, after: 'after DeleteFunction', boundMs: context.bounds.delete, clock: context.clock, pollMs: context.pollMs });
  }
  if (plan.action === 'update') await update(plan, context);
  else await create(plan, context);
  await setRetryCount(plan, context);
  await applyTriggers(plan, context);
  context.print(`${plan.name}: done (${plan.action === 'update' ? 'updated' : plan.action === 'create' ? 'created' : 'recreated'}).`);
}
