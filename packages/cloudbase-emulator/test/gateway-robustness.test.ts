import { connect } from 'net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { MONTHLY_RETAIN_API, startEmulator, type Emulator } from '../src';
import { decodeOpenApiReply, encodeOpenApiRequest } from '../src/wire';

const CLOCK = new Date('2024-05-15T04:00:00Z');
const FUNCTION_NAME = 'getMonthlyRetain';

let functionsRoot: string;
let emulator: Emulator;

function cloudCallForm(fields: Record<string, string | Buffer>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, typeof value === 'string' ? value : new Blob([value]));
  return form;
}

async function gatewayReply(init: RequestInit, pathname = `/functions/${FUNCTION_NAME}`): Promise<unknown> {
  const response = await fetch(`${emulator.url}${pathname}?env=emulator-env&seqId=1`, { method: 'POST', ...init });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return response.json();
}

async function expectServerStillAnswers(): Promise<void> {
  const response = await fetch(emulator.contextUrl(FUNCTION_NAME), {
    method: 'POST',
    body: cloudCallForm({
      action: 'wx.openApi',
      apiName: MONTHLY_RETAIN_API,
      requestData: encodeOpenApiRequest({ begin_date: '20240301', end_date: '20240331' }),
      envName: 'emulator-env',
    }),
  });
  const reply = decodeOpenApiReply(new Uint8Array(await response.arrayBuffer()));
  expect(reply.errorCode).toBe(0);
  expect(JSON.parse(reply.respData.toString('utf8'))).toHaveProperty('ref_date', '202403');
}

const invalidParam = { code: 'INVALID_PARAM', message: expect.any(String), requestId: expect.any(String) };

beforeAll(async () => {
  functionsRoot = mkdtempSync(path.join(tmpdir(), 'emulator-robustness-'));
  mkdirSync(path.join(functionsRoot, FUNCTION_NAME));
  writeFileSync(path.join(functionsRoot, FUNCTION_NAME, 'config.json'), JSON.stringify({ permissions: { openapi: [MONTHLY_RETAIN_API] } }));
  emulator = await startEmulator({ functionsRoot, now: () => CLOCK, maxBodyBytes: 64 * 1024 });
});

afterEach(() => emulator.resetCalls());

afterAll(async () => {
  await emulator.close();
  rmSync(functionsRoot, { recursive: true, force: true });
});

test('a valid raw cloud call answers a CommOpenApiResp', async () => {
  await expectServerStillAnswers();
  expect(emulator.calls).toEqual([expect.objectContaining({ functionName: FUNCTION_NAME, errcode: 0, transport: 'cloud' })]);
});

test.each<[string, RequestInit]>([
  ['garbage multipart', { headers: { 'content-type': 'multipart/form-data; boundary=xyz' }, body: '--xyz\r\ncontent-disposition: form-da' }],
  ['multipart without a boundary', { headers: { 'content-type': 'multipart/form-data' }, body: 'action=wx.openApi' }],
  ['an empty body', { headers: { 'content-type': 'application/json' }, body: '' }],
  ['text that is not JSON', { headers: { 'content-type': 'text/plain' }, body: 'hello gateway' }],
  ['JSON that is not an object', { headers: { 'content-type': 'application/json' }, body: '[1,2,3]' }],
  ['an unknown JSON action', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'functions.invokeFunction' }) }],
  ['an unknown multipart action', { body: cloudCallForm({ action: 'wx.wxPayApi', apiName: MONTHLY_RETAIN_API, requestData: Buffer.from([8, 0]) }) }],
  ['a multipart call without apiName', { body: cloudCallForm({ action: 'wx.openApi', requestData: Buffer.from([8, 0]) }) }],
  ['a body over the size limit', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'database.getDocument', pad: 'x'.repeat(200 * 1024) }) }],
])('%s gets INVALID_PARAM and the server keeps answering', async (_case, init) => {
  expect(await gatewayReply(init)).toEqual(invalidParam);
  await expectServerStillAnswers();
});

test('requestData that is not a CommApiData protobuf is INVALID_PARAM and recorded as -501007', async () => {
  const body = cloudCallForm({ action: 'wx.openApi', apiName: MONTHLY_RETAIN_API, requestData: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]) });
  expect(await gatewayReply({ body })).toEqual(invalidParam);
  expect(emulator.calls).toEqual([expect.objectContaining({ apiName: MONTHLY_RETAIN_API, errcode: -501007 })]);
  await expectServerStillAnswers();
});

test('a GET on the gateway is INVALID_PARAM', async () => {
  const response = await fetch(`${emulator.url}/functions/${FUNCTION_NAME}`);
  expect(await response.json()).toEqual(invalidParam);
});

test('a client that disconnects mid-request does not disturb the server', async () => {
  await new Promise<void>((resolve, reject) => {
    const socket = connect(Number(new URL(emulator.url).port), '127.0.0.1', () => {
      socket.write(`POST /functions/${FUNCTION_NAME} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n`);
      setTimeout(() => socket.destroy(), 20);
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
  await new Promise<void>((resolve, reject) => {
    const socket = connect(Number(new URL(emulator.url).port), '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
    socket.on('close', () => resolve());
    socket.on('error', reject);
    socket.resume();
  });
  await expectServerStillAnswers();
});

test('close() ends pending latency and open keep-alive connections', async () => {
  const closing = await startEmulator({ functionsRoot, now: () => CLOCK });
  closing.faults.latency(60_000);
  const pending = fetch(`${closing.url}/datacube/getweanalysisappidmonthlyretaininfo?access_token=local-access-token`, {
    method: 'POST',
    body: JSON.stringify({ begin_date: '20240301', end_date: '20240331' }),
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  const started = Date.now();
  await closing.close();
  await expect(pending).rejects.toThrow();
  expect(Date.now() - started).toBeLessThan(1000);
});
