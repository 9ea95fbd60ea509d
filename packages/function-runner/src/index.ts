import { performance } from 'perf_hooks';
import { FunctionProcess } from './function-process';
import { planInvocation, resolveDeployment } from './invocation';
import type { FunctionDeployment, InvokeRequest, InvokeResult, WarmInstance } from './types';

export { listFunctionFolders } from './function-folders';
export {
  createFunctionPool,
  DEFAULT_MAX_INSTANCES_PER_FUNCTION,
  FUNCTIONS_EXECUTE_FAIL,
  type FunctionPool,
  type FunctionPoolOptions,
  type NestedCallOutcome,
  type NestedCallRequest,
  type PooledInvocation,
} from './function-pool';
export type { Caller, FunctionDeployment, InvocationFailure, InvokeRequest, InvokeResult, WarmInstance } from './types';
export {
  DEFAULT_APPID,
  DEFAULT_ENV_ID,
  DEFAULT_TIMEOUT_MS,
  MEMORY_LIMIT_MB,
  TCB_CONTEXT_KEYS,
  WX_CONTEXT_KEYS,
  buildEvent,
  invocationEnvironment,
  processEnvironment,
  resolveDeployment,
  timerTime,
} from './invocation';

/**
 * Invokes a built cloud function the way the platform does on a cold start: a fresh Node process that loads
 * `index.js`, runs `main(event, context)` once and is then killed.
 *
 * @param deployment - the built function and the emulator it talks to
 * @param request - caller, event data, optional fake clock and time limit
 * @returns the reply or failure, with the invocation's logs; `maxRssBytes` and `loadMs` measure this cold start
 */
export async function invokeCold(deployment: FunctionDeployment, request: InvokeRequest): Promise<InvokeResult> {
  const resolved = resolveDeployment(deployment);
  const startedAt = performance.now();
  const functionProcess = await FunctionProcess.start(resolved);
  try {
    const result = await functionProcess.invoke(planInvocation(request, resolved));
    result.wallMs = performance.now() - startedAt;
    return result;
  } finally {
    await functionProcess.kill();
  }
}

/**
 * Starts one long-lived function process (a warm instance). `index.js` is loaded by the first invocation;
 * invocations run one after another; after a timeout or crash the next invocation starts a fresh process.
 * `close()` kills the process at once (an invocation still running ends as failed).
 *
 * @param deployment - the built function and the emulator it talks to
 * @returns the instance; call `close()` when done
 */
export async function startWarm(deployment: FunctionDeployment): Promise<WarmInstance> {
  const resolved = resolveDeployment(deployment);
  let functionProcess = await FunctionProcess.start(resolved);
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const runInOrder = async (request: InvokeRequest): Promise<InvokeResult> => {
    if (closed) throw new Error('this warm instance is closed');
    if (!functionProcess.alive) {
      const freshProcess = await FunctionProcess.start(resolved);
      if (closed) {
        await freshProcess.kill();
        throw new Error('this warm instance is closed');
      }
      functionProcess = freshProcess;
    }
    return functionProcess.invoke(planInvocation(request, resolved));
  };

  return {
    invoke(request: InvokeRequest): Promise<InvokeResult> {
      const result = queue.then(() => runInOrder(request));
      queue = result.catch(() => undefined);
      return result;
    },
    async close(): Promise<void> {
      closed = true;
      await functionProcess.kill();
      await queue;
    },
    get pid(): number {
      return functionProcess.pid;
    },
  };
}
