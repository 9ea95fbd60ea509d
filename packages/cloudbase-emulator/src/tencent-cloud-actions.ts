import { applySettings, installDependency, integerParam, invalid, readZip, stringParam } from './tencent-cloud-params';
import { FakeFunction, TencentCloudApiError, TencentCloudState } from './tencent-cloud-state';

/** A request's parameters (the JSON body) and what the handler may read about it. */
export interface ActionContext {
  state: TencentCloudState;
  params: Record<string, unknown>;
  region: string | undefined;
  /** Runtimes CreateFunction accepts. */
  creatableRuntimes: readonly string[];
}

/** One API action: its answer's fields (RequestId is added by the server), or a thrown TencentCloudApiError. */
export type ActionHandler = (context: ActionContext) => Record<string, unknown>;

const FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$/;

function namespaceOf(context: ActionContext): string {
  const namespace = typeof context.params.Namespace === 'string' ? context.params.Namespace : 'default';
  const known = context.state.environments.find((env) => (env.namespace ?? env.envId) === namespace);
  if (known === undefined || known.region !== context.region) {
    throw new TencentCloudApiError('ResourceNotFound.Namespace', `Namespace ${namespace} not exists in region ${context.region ?? '(none)'}`);
  }
  return namespace;
}

/**
 * The named function. Only GetFunction reads (`observe`) move a transition on, so a client that writes
 * without first waiting for Active meets FailedOperation, as it would on the platform.
 */
function functionOf(context: ActionContext, observe = false): FakeFunction {
  const fn = context.state.get(namespaceOf(context), stringParam(context.params, 'FunctionName'));
  if (observe && !context.state.observe(fn)) return context.state.get(fn.namespace, fn.name);
  return fn;
}

/** A function a write may change: Active, or UpdateFailed (a failed update can be retried). */
function activeFunction(context: ActionContext, action: string): FakeFunction {
  const fn = functionOf(context);
  if (fn.status !== 'Active' && fn.status !== 'UpdateFailed') {
    throw new TencentCloudApiError(`FailedOperation.${action}`, `当前函数状态(${fn.status})无法进行此操作，请在函数状态正常(Active)时重试。`);
  }
  return fn;
}

function describeFunction(fn: FakeFunction): Record<string, unknown> {
  return {
    FunctionName: fn.name,
    Namespace: fn.namespace,
    Runtime: fn.runtime,
    Handler: fn.handler,
    Timeout: fn.timeout,
    MemorySize: fn.memorySize,
    InstallDependency: fn.installDependency,
    Role: fn.role ?? '',
    Type: 'Event',
    CodeSize: fn.zip?.length ?? 0,
    Environment: { Variables: fn.variables.map((variable) => ({ ...variable })) },
    Status: fn.status,
    StatusDesc: fn.statusReasons.map((reason) => reason.ErrorMessage).join('; '),
    StatusReasons: fn.statusReasons.map((reason) => ({ ...reason })),
    Triggers: fn.timers.map(describeTimer),
  };
}

/** How SCF lists a timer: TriggerDesc is JSON holding the cron (CreateTrigger takes the bare cron). */
function describeTimer(timer: FakeFunction['timers'][number]): Record<string, unknown> {
  return { Type: 'timer', TriggerName: timer.name, TriggerDesc: JSON.stringify({ cron: timer.cron }), Enable: timer.enabled ? 1 : 0, Qualifier: '$LATEST' };
}

function createFunction(context: ActionContext): Record<string, unknown> {
  const { params, state } = context;
  const namespace = namespaceOf(context);
  const name = stringParam(params, 'FunctionName');
  if (!FUNCTION_NAME.test(name)) throw invalid('FunctionName', 'must be 2-60 letters, digits, _ or -, starting with a letter');
  if (state.functions.has(TencentCloudState.key(namespace, name))) throw new TencentCloudApiError('ResourceInUse.Function', `函数 ${name} 已存在。`);
  const runtime = stringParam(params, 'Runtime');
  if (!context.creatableRuntimes.includes(runtime)) throw invalid('Runtime', `${runtime} is not offered for new functions (${context.creatableRuntimes.join(', ')})`);
  const fn = state.seed(namespace, { name, runtime, zip: readZip(params), installDependency: installDependency(params, 'TRUE') });
  fn.handler = typeof params.Handler === 'string' ? params.Handler : 'index.main';
  if (typeof params.Role === 'string') fn.role = params.Role;
  if (typeof params.Stamp === 'string') fn.stamp = params.Stamp;
  try {
    applySettings(fn, params);
  } catch (error) {
    state.functions.delete(TencentCloudState.key(namespace, name));
    throw error;
  }
  state.startTransition(fn, 'CreateFunction', 'Creating', 'Active');
  return {};
}

function updateFunctionCode(context: ActionContext): Record<string, unknown> {
  const fn = activeFunction(context, 'UpdateFunctionCode');
  fn.zip = readZip(context.params);
  fn.installDependency = installDependency(context.params, fn.installDependency);
  if (typeof context.params.Handler === 'string') fn.handler = context.params.Handler;
  context.state.startTransition(fn, 'UpdateFunctionCode', 'Updating', 'Active');
  return {};
}

function updateFunctionConfiguration(context: ActionContext): Record<string, unknown> {
  const fn = activeFunction(context, 'UpdateFunctionConfiguration');
  const runtime = context.params.Runtime;
  if (runtime !== undefined && runtime !== fn.runtime) throw invalid('Runtime', 'cannot be changed: it is fixed when the function is created');
  applySettings(fn, context.params);
  context.state.startTransition(fn, 'UpdateFunctionConfiguration', 'Updating', 'Active');
  return {};
}

function deleteFunction(context: ActionContext): Record<string, unknown> {
  const fn = functionOf(context);
  context.state.startTransition(fn, 'DeleteFunction', 'Deleting', 'Deleted');
  return {};
}

function updateEventInvokeConfig(context: ActionContext): Record<string, unknown> {
  const fn = activeFunction(context, 'UpdateFunctionEventInvokeConfig');
  const config = (context.params.AsyncTriggerConfig ?? {}) as { RetryConfig?: unknown; MsgTTL?: unknown };
  const [retry] = Array.isArray(config.RetryConfig) ? (config.RetryConfig as Record<string, unknown>[]) : [];
  const retryNum = retry === undefined ? undefined : integerParam(retry, 'RetryNum', 0, 2);
  const msgTtl = integerParam(config as Record<string, unknown>, 'MsgTTL', 60, 21_600);
  if (retryNum === undefined || msgTtl === undefined) throw new TencentCloudApiError('MissingParameter', 'AsyncTriggerConfig needs RetryConfig[0].RetryNum and MsgTTL.');
  fn.retryNum = retryNum;
  fn.msgTtl = msgTtl;
  return {};
}

function createTrigger(context: ActionContext): Record<string, unknown> {
  const fn = activeFunction(context, 'CreateTrigger');
  const name = stringParam(context.params, 'TriggerName');
  if (stringParam(context.params, 'Type') !== 'timer') throw invalid('Type', 'must be timer (the fake has timers only)');
  const cron = stringParam(context.params, 'TriggerDesc');
  if (cron.trim().split(/\s+/).length !== 7) throw invalid('TriggerDesc', `"${cron}" is not a seven-field cron`);
  if (fn.timers.some((timer) => timer.name === name)) throw new TencentCloudApiError('ResourceInUse.Trigger', `触发器 ${name} 已存在。`);
  const timer = { name, cron, enabled: context.params.Enable !== 'CLOSE' };
  fn.timers.push(timer);
  return { TriggerInfo: describeTimer(timer) };
}

function deleteTrigger(context: ActionContext): Record<string, unknown> {
  const fn = activeFunction(context, 'DeleteTrigger');
  const name = stringParam(context.params, 'TriggerName');
  stringParam(context.params, 'Type');
  const index = fn.timers.findIndex((timer) => timer.name === name);
  if (index < 0) throw new TencentCloudApiError('ResourceNotFound.Trigger', `未找到触发器 ${name}。`);
  fn.timers.splice(index, 1);
  return {};
}

function describeEnvs({ state, params }: ActionContext): Record<string, unknown> {
  const envs = state.environments.filter((env) => params.EnvId === undefined || env.envId === params.EnvId);
  const list = envs.map((env) => ({
    EnvId: env.envId,
    Alias: env.alias ?? env.envId,
    Source: env.source ?? 'miniapp',
    Status: 'NORMAL',
    Region: env.region,
    Functions: [{ Namespace: env.namespace ?? env.envId, Region: env.region }],
  }));
  return { EnvList: list, Total: list.length };
}

/** The actions the fake answers, by service. */
export const FAKE_ACTIONS: Readonly<Record<'scf' | 'tcb', Readonly<Record<string, ActionHandler>>>> = {
  tcb: { DescribeEnvs: describeEnvs },
  scf: {
    GetFunction: (context) => describeFunction(functionOf(context, true)),
    CreateFunction: createFunction,
    DeleteFunction: deleteFunction,
    UpdateFunctionCode: updateFunctionCode,
    UpdateFunctionConfiguration: updateFunctionConfiguration,
    GetFunctionEventInvokeConfig: (context) => {
      const fn = functionOf(context);
      return { AsyncTriggerConfig: { RetryConfig: [{ RetryNum: fn.retryNum }], MsgTTL: fn.msgTtl } };
    },
    UpdateFunctionEventInvokeConfig: updateEventInvokeConfig,
    ListTriggers: (context) => {
      const timers = functionOf(context).timers;
      return { TotalCount: timers.length, Triggers: timers.map(describeTimer) };
    },
    CreateTrigger: createTrigger,
    DeleteTrigger: deleteTrigger,
  },
};
