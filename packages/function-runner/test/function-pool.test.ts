import path from 'path';
import { performance } from 'perf_hooks';
import { createFunctionPool, FUNCTIONS_EXECUTE_FAIL, type FunctionPool, type NestedCallOutcome, type NestedCallRequest } from '../src';

jest.setTimeout(30_000);

const FIXTURES = path.join(__dirname, 'fixtures');
const CONTEXT_URL = 'http://127.0.0.1:9/functions/whoami';
const pools: FunctionPool[] = [];

function pool(options: Partial<Parameters<typeof createFunctionPool>[0]> = {}): FunctionPool {
  const created = createFunctionPool({ functionsRoot: FIXTURES, ...options });
  pools.push(created);
  return created;
}

function call(name: string, data: Record<string, unknown> = {}, source = 'wx_trigger,scf'): NestedCallRequest {
  return { name, data, source, callerFunction: 'syncMonthlyAnalytics', contextUrl: CONTEXT_URL.replace('whoami', name) };
}

function resultOf(outcome: NestedCallOutcome): any {
  if (!('result' in outcome)) throw new Error(`no result: ${JSON.stringify(outcome)}`);
  return outcome.result;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((created) => created.close()));
});

test('runs the called function as called by another function: the chain as SOURCE, no OPENID, its own env and time limit', async () => {
  const now = new Date('2024-06-15T02:00:00Z');
  const functions = pool({
    env: (name) => ({ ANALYTICS_ADMIN_OPENIDS: `admins-of-${name}` }),
    timeoutMs: (name) => (name === 'whoami' ? 4500 : undefined),
    now: () => now,
  });
  const reply = resultOf(await functions.invokeFunction(call('whoami', { month: '2024-05', cursor: 3 })));
  expect(reply.event).toEqual({ month: '2024-05', cursor: 3 });
  expect(reply.wxContext).toEqual({ ENV: 'local-env', SOURCE: 'wx_trigger,scf' });
  expect(reply.env).toMatchObject({ ANALYTICS_ADMIN_OPENIDS: 'admins-of-whoami', TCB_CONTEXT_CNFG: JSON.stringify({ URL: CONTEXT_URL }) });
  expect(reply.env.TRIGGER_SRC).toBeUndefined();
  expect(reply.context).toMatchObject({ function_name: 'whoami', time_limit_in_ms: 4500 });
  expect(reply.context.environment).toMatchObject({ TCB_SOURCE: 'wx_trigger,scf' });
  expect(reply.context.environment).not.toHaveProperty('WX_OPENID');
  expect(reply.now).toBeGreaterThanOrEqual(now.getTime());
  expect(reply.now).toBeLessThan(now.getTime() + 5000);

  const fromUser = resultOf(await functions.invokeFunction(call('whoami', {}, 'wx_client,scf')));
  expect(fromUser.wxContext).toEqual({ ENV: 'local-env', SOURCE: 'wx_client,scf' });
  expect(functions.invocations.map(({ name, source, callerFunction }) => ({ name, source, callerFunction }))).toEqual([
    { name: 'whoami', source: 'wx_trigger,scf', callerFunction: 'syncMonthlyAnalytics' },
    { name: 'whoami', source: 'wx_client,scf', callerFunction: 'syncMonthlyAnalytics' },
  ]);
});

test('a folder it does not have is not found, and no process starts', async () => {
  const functions = pool();
  await expect(functions.invokeFunction(call('noSuchFunction'))).resolves.toEqual({ notFound: true });
  await expect(functions.invokeFunction(call('../fixtures'))).resolves.toEqual({ notFound: true });
  expect(functions.pids).toEqual([]);
});

test('a callee that throws is FUNCTIONS_EXECUTE_FAIL with its error, and its instance stays warm', async () => {
  const functions = pool();
  const outcome = await functions.invokeFunction(call('fails', { month: '2024-06' }));
  expect(outcome).toEqual({ error: { code: FUNCTIONS_EXECUTE_FAIL, message: expect.stringContaining('month 2024-06 is not complete yet') } });
  expect((outcome as { error: { message: string } }).error.message).toContain('fails/index.js');
  await expect(functions.invokeFunction(call('fails', { throwString: true }))).resolves.toEqual({
    error: { code: FUNCTIONS_EXECUTE_FAIL, message: 'plain string failure' },
  });
  expect(functions.invocations).toHaveLength(2);
  expect(functions.invocations[1]?.result.pid).toBe(functions.invocations[0]?.result.pid);
});

test('each call has its own time limit; an instance that timed out is replaced', async () => {
  const functions = pool({ timeoutMs: (name) => (name === 'hangs' ? 400 : undefined) });
  const startedAt = performance.now();
  const outcome = await functions.invokeFunction(call('hangs', { hang: true }));
  expect(performance.now() - startedAt).toBeLessThan(3000);
  expect(outcome).toEqual({ error: { code: FUNCTIONS_EXECUTE_FAIL, message: 'Invoking task timed out after 0.4 seconds' } });
  const timedOutPid = functions.invocations[0]?.result.pid ?? -1;
  expect(processExists(timedOutPid)).toBe(false);
  const next = resultOf(await functions.invokeFunction(call('hangs')));
  expect(next).toEqual({ ok: true, pid: expect.any(Number) });
  expect(next.pid).not.toBe(timedOutPid);
});

test('concurrent calls run at once on separate warm instances, which later calls reuse', async () => {
  const functions = pool();
  const round = async () => {
    const startedAt = performance.now();
    const replies = (await Promise.all([0, 1, 2].map(() => functions.invokeFunction(call('sleeps', { ms: 700 }))))).map(resultOf);
    return { replies, wallMs: performance.now() - startedAt };
  };
  const cold = await round();
  const warm = await round();
  for (const { replies } of [cold, warm]) expect(new Set(replies.map((reply) => reply.pid)).size).toBe(3);
  expect(new Set(warm.replies.map((reply) => reply.pid))).toEqual(new Set(cold.replies.map((reply) => reply.pid)));
  expect(warm.replies.map((reply) => reply.invocationCount)).toEqual([2, 2, 2]);
  // Three calls of 700 ms each: run one after another they would take 2100 ms.
  expect(warm.wallMs).toBeLessThan(1500);
  const [first, second, third] = warm.replies;
  expect(Math.max(first.startedAt, second.startedAt, third.startedAt)).toBeLessThan(Math.min(first.endedAt, second.endedAt, third.endedAt));
});

test('maxInstancesPerFunction caps the instances: extra calls wait for a free one', async () => {
  const functions = pool({ maxInstancesPerFunction: 1 });
  const replies = (await Promise.all([0, 1, 2].map(() => functions.invokeFunction(call('sleeps', { ms: 200 }))))).map(resultOf);
  expect(new Set(replies.map((reply) => reply.pid)).size).toBe(1);
  const spans = replies.map((reply) => [reply.startedAt, reply.endedAt]).sort((a, b) => a[0] - b[0]);
  for (let index = 1; index < spans.length; index += 1) expect(spans[index]?.[0]).toBeGreaterThanOrEqual(spans[index - 1]?.[1] ?? Infinity);
  expect(() => createFunctionPool({ functionsRoot: FIXTURES, maxInstancesPerFunction: 0 })).toThrow(RangeError);
});

test('close() kills every instance, ends a running call as failed and refuses later calls', async () => {
  const functions = pool();
  resultOf(await functions.invokeFunction(call('sleeps')));
  const running = functions.invokeFunction(call('hangs', { hang: true }));
  while (functions.pids.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
  const pids = functions.pids;
  expect(functions.running).toBe(1);
  await functions.close();
  await expect(running).resolves.toEqual({ error: { code: FUNCTIONS_EXECUTE_FAIL, message: expect.stringContaining('exited') } });
  for (const pid of pids) expect(processExists(pid)).toBe(false);
  expect(functions.pids).toEqual([]);
  expect(functions.running).toBe(0);
  await expect(functions.invokeFunction(call('sleeps'))).rejects.toThrow('closed');
});
