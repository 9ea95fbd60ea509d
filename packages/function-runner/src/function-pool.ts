import { existsSync, statSync } from 'fs';
import path from 'path';
import { FunctionProcess } from './function-process';
import { DEFAULT_TIMEOUT_MS, planInvocation, resolveDeployment, type ResolvedDeployment } from './invocation';
import type { InvokeResult } from './types';

/** Warm instances a pool keeps per function, at most: more concurrent calls wait for one to be free. */
export const DEFAULT_MAX_INSTANCES_PER_FUNCTION = 8;
/**
 * CloudBase's code for a called function that failed (threw, timed out, crashed); wx-server-sdk's table
 * maps it to -504002.
 */
export const FUNCTIONS_EXECUTE_FAIL = 'FUNCTIONS_EXECUTE_FAIL';
const FUNCTION_NAME = /^[A-Za-z0-9_-]+$/;

/** A `cloud.callFunction` to run, as the emulator's `invokeFunction` hook receives it. */
export interface NestedCallRequest {
  /** The function to run: a folder of the pool's functions root. */
  name: string;
  /** Its event data. */
  data: Record<string, unknown>;
  /** The caller's `X-TCB-Source` (`wx_trigger,scf` …): the callee's SOURCE. */
  source: string;
  /** The calling function, when known (informative). */
  callerFunction: string | null;
  /** What the callee's `TCB_CONTEXT_CNFG` names. */
  contextUrl: string;
}

/** What the emulator sends back: the callee's reply, a CloudBase error, or "no such function". */
export type NestedCallOutcome = { result: unknown } | { error: { code: string; message: string } } | { notFound: true };

/** Options of {@link createFunctionPool}. */
export interface FunctionPoolOptions {
  /** Folder holding the built function folders (`<name>/index.js`). */
  functionsRoot: string;
  /** A function's own environment variables: the same for all, or per function. */
  env?: Record<string, string> | ((functionName: string) => Record<string, string>);
  /** A function's time limit per invocation, default 3000 ms (the platform's): the same for all, or per function (undefined: the default). */
  timeoutMs?: number | ((functionName: string) => number | undefined);
  /** The functions' clock at the start of each invocation (see `InvokeRequest.now`); undefined: the real clock. */
  now?: () => Date | undefined;
  /** Warm instances per function, at most; default {@link DEFAULT_MAX_INSTANCES_PER_FUNCTION}. */
  maxInstancesPerFunction?: number;
  /** TCB_ENV / SCF_NAMESPACE of the functions, default 'local-env'. */
  envId?: string;
  /** The `node` binary the functions run on (`FunctionDeployment.nodePath`); default the caller's Node. */
  nodePath?: string;
}

/** What a pool ran: one entry per invocation. */
export interface PooledInvocation {
  name: string;
  source: string;
  callerFunction: string | null;
  result: InvokeResult;
}

/** Function processes that serve `cloud.callFunction`: a few warm instances per function, one invocation each at a time. */
export interface FunctionPool {
  /** The emulator's `invokeFunction` hook: runs `request.name` as called by another function. */
  invokeFunction(request: NestedCallRequest): Promise<NestedCallOutcome>;
  /** Every invocation the pool completed, in the order they ended (a copy). */
  readonly invocations: readonly PooledInvocation[];
  /** Process ids of the function processes alive now (idle or busy). */
  readonly pids: readonly number[];
  /** Invocations running now. */
  readonly running: number;
  /** Kills every function process (a running invocation ends as failed) and refuses later calls. */
  close(): Promise<void>;
}

interface Instances {
  deployment: ResolvedDeployment;
  idle: FunctionProcess[];
  busy: Set<FunctionProcess>;
  starting: number;
  waiting: Array<() => void>;
}

/** The message CloudBase gives for a failed invocation: the error's stack (its first line is `Type: message`), else its message. */
function failureMessage(result: InvokeResult, timeoutMs: number): string {
  if (result.timedOut) return `Invoking task timed out after ${timeoutMs / 1000} seconds`;
  const failure = result.failed;
  if (!failure) return 'the function did not reply';
  return failure.stackTrace ?? failure.errorMessage;
}

/**
 * Creates the pool behind the emulator's `invokeFunction` hook, so that a function's `cloud.callFunction`
 * runs the called function as the platform does: in an instance of its own (a separate Node process
 * running `<functionsRoot>/<name>/index.js`), the caller `{ kind: 'function', source }` (SOURCE the
 * SDK's `X-TCB-Source`, no OPENID: the SDK sends none), that function's env and time limit. Concurrent
 * calls run in parallel on separate warm instances, up to `maxInstancesPerFunction` per function; an
 * instance that timed out or crashed is dropped. Nothing starts before the first call.
 *
 * ```ts
 * const pool = createFunctionPool({ functionsRoot: 'cloudfunctions', env: { ANALYTICS_ADMIN_OPENIDS: 'oAdmin' } });
 * const emulator = await startEmulator({ functionsRoot: 'cloudfunctions', invokeFunction: pool.invokeFunction });
 * // … functions run against emulator call each other …
 * await pool.close();
 * await emulator.close();
 * ```
 */
export function createFunctionPool(options: FunctionPoolOptions): FunctionPool {
  const functionsRoot = path.resolve(options.functionsRoot);
  const maxInstances = options.maxInstancesPerFunction ?? DEFAULT_MAX_INSTANCES_PER_FUNCTION;
  if (!Number.isInteger(maxInstances) || maxInstances < 1) throw new RangeError(`maxInstancesPerFunction must be a positive integer, got ${maxInstances}`);
  const byName = new Map<string, Instances>();
  const invocations: PooledInvocation[] = [];
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;

  const envOf = (name: string): Record<string, string> => (typeof options.env === 'function' ? options.env(name) : (options.env ?? {}));
  const timeoutOf = (name: string): number => (typeof options.timeoutMs === 'function' ? options.timeoutMs(name) : options.timeoutMs) ?? DEFAULT_TIMEOUT_MS;
  const exists = (name: string): boolean => {
    const dir = path.join(functionsRoot, name);
    return FUNCTION_NAME.test(name) && existsSync(dir) && statSync(dir).isDirectory();
  };

  const instancesOf = (name: string, contextUrl: string): Instances => {
    let instances = byName.get(name);
    if (!instances) {
      const deployment = resolveDeployment({
        functionDir: path.join(functionsRoot, name),
        functionName: name,
        contextUrl,
        env: envOf(name),
        ...(options.envId === undefined ? {} : { envId: options.envId }),
        ...(options.nodePath === undefined ? {} : { nodePath: options.nodePath }),
      });
      instances = { deployment, idle: [], busy: new Set(), starting: 0, waiting: [] };
      byName.set(name, instances);
    }
    return instances;
  };

  const acquire = async (instances: Instances): Promise<FunctionProcess> => {
    while (true) {
      if (closed) throw new Error('the function pool is closed');
      let idle: FunctionProcess | undefined;
      while ((idle = instances.idle.pop()) !== undefined) {
        if (idle.alive) {
          instances.busy.add(idle);
          return idle;
        }
      }
      if (instances.busy.size + instances.starting < maxInstances) {
        instances.starting += 1;
        let started: FunctionProcess;
        try {
          started = await FunctionProcess.start(instances.deployment);
        } catch (error) {
          // The slot is free again: a call waiting for one may try.
          instances.waiting.shift()?.();
          throw error;
        } finally {
          instances.starting -= 1;
        }
        if (closed) {
          await started.kill();
          throw new Error('the function pool is closed');
        }
        instances.busy.add(started);
        return started;
      }
      await new Promise<void>((resolve) => instances.waiting.push(resolve));
    }
  };

  const release = (instances: Instances, functionProcess: FunctionProcess): void => {
    instances.busy.delete(functionProcess);
    if (functionProcess.alive && !closed) instances.idle.push(functionProcess);
    instances.waiting.shift()?.();
  };

  const run = async (request: NestedCallRequest): Promise<NestedCallOutcome> => {
    if (closed) throw new Error('the function pool is closed');
    if (!exists(request.name)) return { notFound: true };
    const instances = instancesOf(request.name, request.contextUrl);
    const timeoutMs = timeoutOf(request.name);
    let functionProcess: FunctionProcess;
    try {
      functionProcess = await acquire(instances);
    } catch (error) {
      if (closed) throw error;
      return { error: { code: FUNCTIONS_EXECUTE_FAIL, message: `the function could not start: ${(error as Error).message}` } };
    }
    let result: InvokeResult;
    try {
      const now = options.now?.();
      const plan = planInvocation({ caller: { kind: 'function', source: request.source }, data: request.data, timeoutMs, ...(now ? { now } : {}) }, instances.deployment);
      result = await functionProcess.invoke(plan);
    } catch (error) {
      return { error: { code: FUNCTIONS_EXECUTE_FAIL, message: `the function process could not run the call: ${(error as Error).message}` } };
    } finally {
      release(instances, functionProcess);
    }
    invocations.push({ name: request.name, source: request.source, callerFunction: request.callerFunction, result });
    if (result.failed || result.timedOut) return { error: { code: FUNCTIONS_EXECUTE_FAIL, message: failureMessage(result, timeoutMs) } };
    return { result: result.reply };
  };

  return {
    invokeFunction(request) {
      const running = run(request);
      inFlight.add(running);
      void running.then(
        () => inFlight.delete(running),
        () => inFlight.delete(running),
      );
      return running;
    },
    get invocations() {
      return invocations.slice();
    },
    get pids() {
      return [...byName.values()].flatMap((instances) => [...instances.idle, ...instances.busy].filter((instance) => instance.alive).map((instance) => instance.pid));
    },
    get running() {
      return inFlight.size;
    },
    async close() {
      closed = true;
      const all = [...byName.values()];
      for (const instances of all) for (const wake of instances.waiting.splice(0)) wake();
      await Promise.all(all.flatMap((instances) => [...instances.idle.splice(0), ...instances.busy].map((instance) => instance.kill())));
      await Promise.allSettled([...inFlight]);
    },
  };
}
