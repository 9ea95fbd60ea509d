import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { functionEnvironment, startEmulator, type Emulator, type EmulatorOptions, type InvokeFunctionRequest } from '../src';

type WxServerSdk = typeof import('wx-server-sdk');
interface SdkError {
  errCode: number;
  code: string;
  errMsg: string;
}

const CALLER = 'syncMonthlyAnalytics';
const ENV_KEYS = ['TCB_CONTEXT_CNFG', 'TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TCB_ENV', 'TENCENTCLOUD', 'TCB_CONTEXT_KEYS', 'TCB_SOURCE'] as const;
const savedEnv = new Map<string, string | undefined>(ENV_KEYS.map((key) => [key, process.env[key]]));

let functionsRoot: string;
let cloud: WxServerSdk;
const running: Emulator[] = [];

/** An emulator whose context URL for CALLER the SDK of this test process uses. */
async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = await startEmulator({ functionsRoot, control: true, ...options });
  running.push(emulator);
  Object.assign(process.env, functionEnvironment(emulator, CALLER));
  return emulator;
}

async function sdkFailure(promise: unknown): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('the call succeeded');
}

async function rawInvoke(emulator: Emulator, body: Record<string, unknown>): Promise<any> {
  const response = await fetch(`${emulator.contextUrl(CALLER)}?env=emulator-env&seqId=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tcb-source': 'wx_trigger,scf' },
    body: JSON.stringify({ action: 'functions.invokeFunction', ...body }),
  });
  expect(response.status).toBe(200);
  return response.json();
}

beforeAll(() => {
  functionsRoot = mkdtempSync(path.join(tmpdir(), 'emulator-invoke-'));
  // The SDK appends its run-environment tag to the caller's TCB_SOURCE: outside SCF it is 'tencentcloud'.
  Object.assign(process.env, { TENCENTCLOUD: 'true', TCB_CONTEXT_KEYS: 'TCB_SOURCE', TCB_SOURCE: 'wx_trigger' });
  cloud = require('wx-server-sdk') as WxServerSdk;
  cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV as unknown as string });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.close()));
});

afterAll(() => {
  rmSync(functionsRoot, { recursive: true, force: true });
  for (const [key, value] of savedEnv) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

test('the hook runs the call: the SDK gets its result back, the hook the name, data, source, caller and context URL', async () => {
  const requests: InvokeFunctionRequest[] = [];
  const emulator = await start({
    invokeFunction: async (request) => {
      requests.push(request);
      return { result: { echoed: request.data, big: 12345678901234, text: '月' } };
    },
  });
  const reply = await cloud.callFunction({ name: 'syncMonthlyAnalytics', data: { cursor: 3, months: ['2024-05'] } });
  expect(reply).toEqual({
    result: { echoed: { cursor: 3, months: ['2024-05'] }, big: 12345678901234, text: '月' },
    errMsg: 'callFunction:ok',
    requestID: expect.stringMatching(/^emulator-/),
  });
  expect(requests).toEqual([
    { name: 'syncMonthlyAnalytics', data: { cursor: 3, months: ['2024-05'] }, source: 'wx_trigger,tencentcloud', callerFunction: CALLER, contextUrl: emulator.contextUrl('syncMonthlyAnalytics') },
  ]);
  expect(emulator.calls).toEqual([
    { functionName: CALLER, apiName: 'functions.invokeFunction', transport: 'cloud', targetFunction: 'syncMonthlyAnalytics', errcode: 0, at: expect.any(Date) },
  ]);
  expect(emulator.countCalls({ apiName: 'invokeFunction', targetFunction: 'syncMonthlyAnalytics' })).toBe(1);
  expect(emulator.countCalls({ targetFunction: 'other' })).toBe(0);
});

test('a reply of undefined or a string comes back as null and as the string', async () => {
  const replies: unknown[] = [undefined, 'plain text', 0];
  await start({ invokeFunction: async () => ({ result: replies.shift() }) });
  await expect(cloud.callFunction({ name: 'a' })).resolves.toMatchObject({ result: null });
  await expect(cloud.callFunction({ name: 'a' })).resolves.toMatchObject({ result: 'plain text' });
  await expect(cloud.callFunction({ name: 'a' })).resolves.toMatchObject({ result: 0 });
});

test('without a hook every function is missing: FUNCTIONS_EXECUTE_FAIL with SCF\'s message', async () => {
  const emulator = await start();
  const error = await sdkFailure(cloud.callFunction({ name: 'syncMonthlyAnalytics', data: {} }));
  expect(error).toMatchObject({ errCode: -1, code: 'FUNCTIONS_EXECUTE_FAIL', errMsg: 'callFunction:fail 找不到对应的FunctionName. (syncMonthlyAnalytics)' });
  expect(emulator.calls).toEqual([expect.objectContaining({ targetFunction: 'syncMonthlyAnalytics', errcode: -504002 })]);
});

test('the hook\'s notFound and errors reach the SDK as CloudBase errors; a hook that throws is SYS_ERR', async () => {
  const outcomes = [
    async () => ({ notFound: true as const }),
    async () => ({ error: { code: 'FUNCTIONS_EXECUTE_FAIL', message: 'Error: boom\n    at exports.main (/var/user/index.js:3:9)' } }),
    async () => ({ error: { code: 'EXCEED_CONCURRENT_REQUEST_LIMIT', message: 'too many' } }),
    async () => {
      throw new Error('the pool is closed');
    },
  ];
  const emulator = await start({ invokeFunction: () => (outcomes.shift() ?? (async () => ({ result: null })))() });
  expect(await sdkFailure(cloud.callFunction({ name: 'gone' }))).toMatchObject({ code: 'FUNCTIONS_EXECUTE_FAIL', errMsg: 'callFunction:fail 找不到对应的FunctionName. (gone)' });
  expect(await sdkFailure(cloud.callFunction({ name: 'throws' }))).toMatchObject({
    errCode: -1,
    code: 'FUNCTIONS_EXECUTE_FAIL',
    errMsg: expect.stringMatching(/^callFunction:fail Error: boom\n {4}at exports\.main/),
  });
  expect(await sdkFailure(cloud.callFunction({ name: 'busy' }))).toMatchObject({ code: 'EXCEED_CONCURRENT_REQUEST_LIMIT', errMsg: 'callFunction:fail too many' });
  expect(await sdkFailure(cloud.callFunction({ name: 'closed' }))).toMatchObject({ code: 'SYS_ERR', errMsg: expect.stringContaining('the pool is closed') });
  expect(emulator.calls.map((call) => [call.targetFunction, call.errcode])).toEqual([
    ['gone', -504002],
    ['throws', -504002],
    ['busy', -501004],
    ['closed', -501001],
  ]);
});

test('a request CloudBase cannot take is INVALID_PARAM, recorded, and never reaches the hook', async () => {
  const hook = jest.fn(async () => ({ result: 'ran' }));
  const emulator = await start({ invokeFunction: hook });
  const invalid = { code: 'INVALID_PARAM', message: expect.any(String), requestId: expect.any(String) };
  expect(await rawInvoke(emulator, { request_data: '{}' })).toEqual({ ...invalid, message: expect.stringContaining('function_name') });
  expect(await rawInvoke(emulator, { function_name: '', request_data: '{}' })).toEqual(invalid);
  expect(await rawInvoke(emulator, { function_name: '../getMonthlyRetain', request_data: '{}' })).toEqual(invalid);
  expect(await rawInvoke(emulator, { function_name: 'a', request_data: '{"month": ' })).toEqual({ ...invalid, message: expect.stringContaining('request_data is not JSON') });
  expect(await rawInvoke(emulator, { function_name: 'a', request_data: '[1, 2]' })).toEqual(invalid);
  expect(await rawInvoke(emulator, { function_name: 'a', request_data: { month: '2024-05' } })).toEqual(invalid);
  expect(await rawInvoke(emulator, { function_name: 'a', qualifier: 7, request_data: '{}' })).toEqual(invalid);
  expect(hook).not.toHaveBeenCalled();
  expect(emulator.calls.map((call) => [call.targetFunction, call.errcode])).toEqual([
    [undefined, -501007],
    [undefined, -501007],
    ['../getMonthlyRetain', -501007],
    ['a', -501007],
    ['a', -501007],
    ['a', -501007],
    ['a', -501007],
  ]);
  // The SDK's own "no data" is '' (node-sdk), an empty event.
  expect(await rawInvoke(emulator, { function_name: 'a', request_data: '' })).toEqual({ data: { response_data: '"ran"' }, requestId: expect.any(String) });
  expect(hook).toHaveBeenCalledWith(expect.objectContaining({ name: 'a', data: {}, source: 'wx_trigger,scf' }));
});

test('only $LATEST exists: another qualifier is a missing function', async () => {
  const hook = jest.fn(async () => ({ result: 'ran' }));
  const emulator = await start({ invokeFunction: hook });
  expect(await rawInvoke(emulator, { function_name: 'a', qualifier: '$LATEST', request_data: '{}' })).toMatchObject({ data: { response_data: '"ran"' } });
  expect(await rawInvoke(emulator, { function_name: 'a', qualifier: '2', request_data: '{}' })).toMatchObject({
    code: 'FUNCTIONS_EXECUTE_FAIL',
    message: '找不到对应的FunctionName. (a, version 2)',
  });
  expect(hook).toHaveBeenCalledTimes(1);
});

test('concurrent calls reach the hook at once', async () => {
  let inside = 0;
  let most = 0;
  await start({
    invokeFunction: async (request) => {
      inside += 1;
      most = Math.max(most, inside);
      await new Promise((resolve) => setTimeout(resolve, 300));
      inside -= 1;
      return { result: request.data };
    },
  });
  const replies = await Promise.all([1, 2, 3].map((cursor) => cloud.callFunction({ name: 'syncMonthlyAnalytics', data: { cursor } })));
  expect(replies.map((reply) => (reply as { result: unknown }).result)).toEqual([{ cursor: 1 }, { cursor: 2 }, { cursor: 3 }]);
  expect(most).toBe(3);
});

describe('faults', () => {
  test('failNext(invokeFunction, a CloudBase code) answers it without running the function; other codes are refused', async () => {
    const hook = jest.fn(async () => ({ result: 'ran' }));
    const emulator = await start({ invokeFunction: hook });
    emulator.faults.failNext('invokeFunction', -504002);
    emulator.faults.failNext('*', 45009);
    expect(await sdkFailure(cloud.callFunction({ name: 'a' }))).toMatchObject({ code: 'FUNCTIONS_EXECUTE_FAIL', errMsg: 'callFunction:fail injected CloudBase error FUNCTIONS_EXECUTE_FAIL' });
    // '*' is for open APIs: it does not reach invokeFunction.
    await expect(cloud.callFunction({ name: 'a' })).resolves.toMatchObject({ result: 'ran' });
    expect(hook).toHaveBeenCalledTimes(1);
    expect(emulator.calls.map((call) => [call.errcode, call.fault])).toEqual([
      [-504002, 'fail'],
      [0, undefined],
    ]);
    expect(() => emulator.faults.failNext('invokeFunction', 45009)).toThrow(RangeError);
    const refused = await fetch(`${emulator.url}/control/faults`, { method: 'POST', body: JSON.stringify({ api: 'invokeFunction', errcode: -604101 }) });
    expect(refused.status).toBe(400);
    const accepted = await fetch(`${emulator.url}/control/faults`, { method: 'POST', body: JSON.stringify({ api: 'functions.invokeFunction', errcode: -501003 }) });
    expect(await accepted.json()).toEqual({ ok: true, fault: { apiName: 'functions.invokeFunction', errcode: -501003, times: 1 } });
    expect(await sdkFailure(cloud.callFunction({ name: 'a' }))).toMatchObject({ code: 'EXCEED_REQUEST_LIMIT' });
  });

  test('latency slows invokeFunction answers; a dropped connection and a malformed reply fail the call', async () => {
    const emulator = await start({ invokeFunction: async () => ({ result: 'ran' }) });
    emulator.faults.latency(400, 'invokeFunction');
    const startedAt = Date.now();
    await expect(cloud.callFunction({ name: 'a' })).resolves.toMatchObject({ result: 'ran' });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(390);
    emulator.faults.clear();
    emulator.faults.dropNext('invokeFunction');
    await expect(cloud.callFunction({ name: 'a' })).rejects.toMatchObject({ errCode: -1 });
    emulator.faults.malformedNext('invokeFunction');
    await expect(cloud.callFunction({ name: 'a' })).rejects.toMatchObject({ errCode: -1 });
    await expect(cloud.callFunction({ name: 'a' })).resolves.toMatchObject({ result: 'ran' });
    expect(emulator.calls.map((call) => call.fault)).toEqual([undefined, 'drop', 'malformed', undefined]);
  });
});
