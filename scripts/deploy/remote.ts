import { CloudApi, CloudApiError } from './cloud-api';
import { FunctionDeployError } from './errors';
import { CurrentTimer, timerCron } from './triggers';
import type { Variable } from './variables';

/** A function as the platform has it (SCF GetFunction, GetFunctionEventInvokeConfig, ListTriggers; scf_models.d.ts). */
export interface RemoteFunction {
  name: string;
  runtime: string;
  /** Seconds. */
  timeout: number;
  /** MB. */
  memorySize: number;
  /** Creating, Updating, Active, CreateFailed, UpdateFailed, Deleting. */
  status: string;
  statusReasons: string[];
  variables: Variable[];
  timers: CurrentTimer[];
  /** AsyncTriggerConfig: retries of a failed asynchronous run, and the message TTL (seconds). */
  retry?: { retryNum: number; msgTtl: number };
}

/** Time as the waits see it; tests pass a virtual clock. */
export interface Clock {
  /** Milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const REAL_CLOCK: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/** How long each wait may last, in milliseconds. */
export interface WaitBounds {
  /** For a function that is Creating/Updating when the deploy wants to change it (someone else's change). */
  beforeChange: number;
  /** From CreateFunction to Active. */
  create: number;
  /** From UpdateFunctionCode to Active. */
  code: number;
  /** From UpdateFunctionConfiguration to Active. */
  configuration: number;
  /** From DeleteFunction until the function is gone. */
  delete: number;
}

/** manager-node's waitFunctionActive allows 5 minutes; so do creation and code updates here. */
export const DEFAULT_WAIT_BOUNDS: WaitBounds = { beforeChange: 120_000, create: 300_000, code: 300_000, configuration: 120_000, delete: 120_000 };
/** Between two GetFunction reads, milliseconds. */
export const DEFAULT_POLL_INTERVAL_MS = 2_000;

const NOT_FOUND = 'ResourceNotFound.Function';

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.map(record) : [];
}

function reasonsOf(answer: Record<string, unknown>): string[] {
  const reasons = list(answer.StatusReasons).map((reason) => `[${String(reason.ErrorCode ?? '')}] ${String(reason.ErrorMessage ?? '')}`);
  const desc = typeof answer.StatusDesc === 'string' ? answer.StatusDesc : '';
  return reasons.length > 0 ? reasons : desc === '' ? [] : [desc];
}

/** GetFunction of `name`, or undefined when it does not exist. */
async function getFunction(scf: CloudApi, namespace: string, name: string): Promise<Record<string, unknown> | undefined> {
  try {
    return await scf.call('GetFunction', { FunctionName: name, Namespace: namespace });
  } catch (error) {
    if (error instanceof CloudApiError && error.code === NOT_FOUND) return undefined;
    throw error;
  }
}

/** Reads the function's settings, variables, timers and retry count; undefined when it does not exist. */
export async function readRemoteFunction(scf: CloudApi, namespace: string, name: string): Promise<RemoteFunction | undefined> {
  const answer = await getFunction(scf, namespace, name);
  if (answer === undefined) return undefined;
  const variables = list(record(answer.Environment).Variables)
    .filter((variable) => typeof variable.Key === 'string' && typeof variable.Value === 'string')
    .map((variable) => ({ Key: String(variable.Key), Value: String(variable.Value) }));
  const triggers = await scf.call('ListTriggers', { FunctionName: name, Namespace: namespace, Limit: 100 });
  const timers = list(triggers.Triggers)
    .filter((trigger) => trigger.Type === 'timer' && typeof trigger.TriggerName === 'string')
    .map((trigger) => ({ name: String(trigger.TriggerName), cron: timerCron(String(trigger.TriggerDesc ?? '')), enabled: trigger.Enable !== 0 }));
  const invoke = record(record(await scf.call('GetFunctionEventInvokeConfig', { FunctionName: name, Namespace: namespace })).AsyncTriggerConfig);
  const retryNum = record(list(invoke.RetryConfig)[0]).RetryNum;
  return {
    name,
    runtime: String(answer.Runtime ?? ''),
    timeout: Number(answer.Timeout),
    memorySize: Number(answer.MemorySize),
    status: String(answer.Status ?? ''),
    statusReasons: reasonsOf(answer),
    variables,
    timers,
    ...(typeof retryNum === 'number' && typeof invoke.MsgTTL === 'number' ? { retry: { retryNum, msgTtl: invoke.MsgTTL } } : {}),
  };
}

/** What a wait is for: its bound, and the step it follows (named in messages). */
export interface WaitFor {
  name: string;
  after: string;
  boundMs: number;
  clock: Clock;
  pollMs: number;
}

function again(name: string): string {
  return `run npm run deploy -- --only ${name} again`;
}

/**
 * Polls GetFunction (every `pollMs`) until the function is Active. UpdateFailed is accepted only with
 * `acceptUpdateFailed` (before a change: a failed update may be retried).
 *
 * @throws {FunctionDeployError} at once for CreateFailed/UpdateFailed (with StatusReasons), or when the
 * function is still in a transition, or gone, after `boundMs`
 */
export async function waitUntilActive(scf: CloudApi, namespace: string, wait: WaitFor, acceptUpdateFailed = false): Promise<string> {
  const { name, after, clock } = wait;
  const started = clock.now();
  while (true) {
    const answer = await getFunction(scf, namespace, name);
    if (answer === undefined) throw new FunctionDeployError(name, `${name} disappeared ${after}: someone deleted it; ${again(name)} to create it.`);
    const status = String(answer.Status ?? '');
    if (status === 'Active' || (acceptUpdateFailed && status === 'UpdateFailed')) return status;
    if (status === 'CreateFailed' || status === 'UpdateFailed') {
      const reasons = reasonsOf(answer).join('; ') || 'no reason given';
      const fix = status === 'CreateFailed' ? `fix the cause, then delete the function in the console and ${again(name)} (or deploy with --recreate ${name})` : `fix the cause, then ${again(name)}`;
      throw new FunctionDeployError(name, `${name} is ${status} ${after}: ${reasons}. Nothing more was changed on it; ${fix}.`);
    }
    const waited = clock.now() - started;
    if (waited >= wait.boundMs) {
      throw new FunctionDeployError(
        name,
        `${name} is still ${status || 'in an unknown state'} ${Math.round(waited / 1000)} s ${after} (this wait's bound is ${Math.round(wait.boundMs / 1000)} s): ` +
          `nothing more was changed on it. Check it in the cloud console (云开发 → 云函数 → ${name}); once it is back to normal (Active), ${again(name)}.`,
      );
    }
    await clock.sleep(wait.pollMs);
  }
}

/** Polls GetFunction until the function no longer exists (after DeleteFunction). @throws {FunctionDeployError} after `boundMs` */
export async function waitUntilDeleted(scf: CloudApi, namespace: string, wait: WaitFor): Promise<void> {
  const started = wait.clock.now();
  while ((await getFunction(scf, namespace, wait.name)) !== undefined) {
    const waited = wait.clock.now() - started;
    if (waited >= wait.boundMs) {
      throw new FunctionDeployError(
        wait.name,
        `${wait.name} still exists ${Math.round(waited / 1000)} s ${wait.after} (this wait's bound is ${Math.round(wait.boundMs / 1000)} s): ` +
          `it was not created again. Once the console no longer lists it, run npm run deploy -- --only ${wait.name} (it creates it).`,
      );
    }
    await wait.clock.sleep(wait.pollMs);
  }
}
