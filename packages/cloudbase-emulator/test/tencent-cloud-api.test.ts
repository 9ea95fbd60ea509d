import http from 'http';
import { zipSync } from 'fflate';
import { CommonClient } from 'tencentcloud-sdk-nodejs-common';
import { FAKE_TENCENT_CLOUD_CREDENTIALS, TencentCloudApi, startTencentCloudApi, tc3AuthorizationHeader } from '../src';

const ENV_ID = 'fake-env-1a2b3c';
const NAMESPACE = { Namespace: ENV_ID };

function client(api: TencentCloudApi, service: 'scf' | 'tcb', credential: { secretId: string; secretKey: string; token?: string } = FAKE_TENCENT_CLOUD_CREDENTIALS, region = 'ap-shanghai') {
  const version = service === 'scf' ? '2018-04-16' : '2018-06-08';
  return new CommonClient(`${service}.tencentcloudapi.com`, version, {
    credential,
    region,
    profile: { httpProfile: { protocol: 'http://', endpoint: api.endpoint(service), agent: api.agent, reqTimeout: 5 } },
  });
}

async function failure(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('the call succeeded');
}

/** Sends a request by hand, signed (or not) as the caller chooses. */
function rawRequest(api: TencentCloudApi, headers: Record<string, string>, body: string): Promise<{ Response: { Error?: { Code: string } } }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: api.port, method: 'POST', path: '/', headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function signedHeaders(api: TencentCloudApi, body: string, service: string, scopeService = service, secretKey: string = FAKE_TENCENT_CLOUD_CREDENTIALS.secretKey, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const host = `${service}.tencentcloudapi.com`;
  const request = { method: 'POST', path: '/', query: '', headers: { 'content-type': 'application/json', host }, body: Buffer.from(body) };
  return {
    'Content-Type': 'application/json',
    Host: `${host}:${api.port}`,
    'X-TC-Action': 'GetFunction',
    'X-TC-Version': '2018-04-16',
    'X-TC-Region': 'ap-shanghai',
    'X-TC-Timestamp': String(timestamp),
    Authorization: tc3AuthorizationHeader({ secretId: FAKE_TENCENT_CLOUD_CREDENTIALS.secretId, secretKey }, scopeService, timestamp, request),
  };
}

describe('the fake Tencent Cloud API', () => {
  let api: TencentCloudApi;
  beforeEach(async () => {
    api = await startTencentCloudApi({ settleReads: 1 });
  });
  afterEach(() => api.close());

  it('answers the real SDK client through httpProfile and checks its signature', async () => {
    const answer = await client(api, 'tcb').request('DescribeEnvs', { EnvId: ENV_ID });
    expect(answer.EnvList).toEqual([
      { EnvId: ENV_ID, Alias: ENV_ID, Source: 'miniapp', Status: 'NORMAL', Region: 'ap-shanghai', Functions: [{ Namespace: ENV_ID, Region: 'ap-shanghai' }] },
    ]);
    expect(api.requests).toEqual([{ service: 'tcb', action: 'DescribeEnvs', version: '2018-06-08', region: 'ap-shanghai', params: { EnvId: ENV_ID }, authorized: true }]);
  });

  it('rejects a wrong secret key, a wrong credential scope, an expired timestamp and a temporary key without its token', async () => {
    const wrongKey = await failure(client(api, 'scf', { ...FAKE_TENCENT_CLOUD_CREDENTIALS, secretKey: 'not-the-key' }).request('GetFunction', { FunctionName: 'fn1', ...NAMESPACE }));
    expect(wrongKey).toMatchObject({ code: 'AuthFailure.SignatureFailure' });
    const body = JSON.stringify({ FunctionName: 'fn1', ...NAMESPACE });
    expect((await rawRequest(api, signedHeaders(api, body, 'scf'), body)).Response.Error?.Code).toBe('ResourceNotFound.Function');
    expect((await rawRequest(api, signedHeaders(api, body, 'scf', 'cvm'), body)).Response.Error?.Code).toBe('AuthFailure.SignatureFailure');
    expect((await rawRequest(api, signedHeaders(api, body, 'scf'), `${body} `)).Response.Error?.Code).toBe('AuthFailure.SignatureFailure');
    const old = Math.floor(Date.now() / 1000) - 600;
    expect((await rawRequest(api, signedHeaders(api, body, 'scf', 'scf', undefined, old), body)).Response.Error?.Code).toBe('AuthFailure.SignatureExpire');
    expect((await rawRequest(api, { 'Content-Type': 'application/json', Host: api.endpoint('scf') }, body)).Response.Error?.Code).toBe('AuthFailure.SignatureFailure');
    expect(api.requests.map((request) => [request.authorized, request.errorCode])).toEqual([
      [false, 'AuthFailure.SignatureFailure'],
      [true, 'ResourceNotFound.Function'],
      [false, 'AuthFailure.SignatureFailure'],
      [false, 'AuthFailure.SignatureFailure'],
      [false, 'AuthFailure.SignatureExpire'],
      [false, 'AuthFailure.SignatureFailure'],
    ]);
    await api.close();
    api = await startTencentCloudApi({ credentials: [{ ...FAKE_TENCENT_CLOUD_CREDENTIALS, token: 'session-token' }] });
    expect(await failure(client(api, 'tcb').request('DescribeEnvs', {}))).toMatchObject({ code: 'AuthFailure.TokenFailure' });
    expect((await client(api, 'tcb', { ...FAKE_TENCENT_CLOUD_CREDENTIALS, token: 'session-token' }).request('DescribeEnvs', {})).Total).toBe(1);
  });

  it('keeps functions with status transitions, variables, timers and retry settings', async () => {
    const scf = client(api, 'scf');
    const ZipFile = Buffer.from(zipSync({ 'index.js': Buffer.from('exports.main = async () => 1;') })).toString('base64');
    await scf.request('CreateFunction', { FunctionName: 'fn1', ...NAMESPACE, Runtime: 'Nodejs24.11', Timeout: 10, Code: { ZipFile }, Environment: { Variables: [{ Key: 'A', Value: '1' }] } });
    expect(await failure(scf.request('UpdateFunctionCode', { FunctionName: 'fn1', ...NAMESPACE, Code: { ZipFile } }))).toMatchObject({ code: 'FailedOperation.UpdateFunctionCode' });
    expect((await scf.request('GetFunction', { FunctionName: 'fn1', ...NAMESPACE })).Status).toBe('Creating');
    expect(await scf.request('GetFunction', { FunctionName: 'fn1', ...NAMESPACE })).toMatchObject({ Status: 'Active', Runtime: 'Nodejs24.11', Timeout: 10, MemorySize: 256, Environment: { Variables: [{ Key: 'A', Value: '1' }] } });
    await scf.request('UpdateFunctionConfiguration', { FunctionName: 'fn1', ...NAMESPACE, Environment: { Variables: [{ Key: 'B', Value: '2' }] } });
    expect(api.functionNamed('fn1')?.variables).toEqual([{ Key: 'B', Value: '2' }]);
    expect(await failure(scf.request('UpdateFunctionConfiguration', { FunctionName: 'fn1', ...NAMESPACE, Runtime: 'Nodejs16.13' }))).toMatchObject({ code: 'FailedOperation.UpdateFunctionConfiguration' });
    await scf.request('GetFunction', { FunctionName: 'fn1', ...NAMESPACE });
    await scf.request('GetFunction', { FunctionName: 'fn1', ...NAMESPACE });
    expect(await failure(scf.request('UpdateFunctionConfiguration', { FunctionName: 'fn1', ...NAMESPACE, Runtime: 'Nodejs16.13' }))).toMatchObject({ code: 'InvalidParameterValue.Runtime' });
    expect(await scf.request('GetFunctionEventInvokeConfig', { FunctionName: 'fn1', ...NAMESPACE })).toMatchObject({ AsyncTriggerConfig: { RetryConfig: [{ RetryNum: 2 }], MsgTTL: 21_600 } });
    await scf.request('CreateTrigger', { FunctionName: 'fn1', ...NAMESPACE, TriggerName: 'daily', Type: 'timer', TriggerDesc: '0 0 10 * * * *' });
    expect((await scf.request('ListTriggers', { FunctionName: 'fn1', ...NAMESPACE })).Triggers).toEqual([
      { Type: 'timer', TriggerName: 'daily', TriggerDesc: '{"cron":"0 0 10 * * * *"}', Enable: 1, Qualifier: '$LATEST' },
    ]);
    expect(await failure(scf.request('CreateTrigger', { FunctionName: 'fn1', ...NAMESPACE, TriggerName: 'daily', Type: 'timer', TriggerDesc: '0 0 9 * * * *' }))).toMatchObject({ code: 'ResourceInUse.Trigger' });
    await scf.request('DeleteFunction', { FunctionName: 'fn1', ...NAMESPACE });
    expect((await scf.request('GetFunction', { FunctionName: 'fn1', ...NAMESPACE })).Status).toBe('Deleting');
    expect(await failure(scf.request('GetFunction', { FunctionName: 'fn1', ...NAMESPACE }))).toMatchObject({ code: 'ResourceNotFound.Function' });
  });

  it('refuses a runtime that is not offered, an empty variable value and a namespace of another region', async () => {
    const scf = client(api, 'scf');
    const ZipFile = Buffer.from(zipSync({ 'index.js': Buffer.from('') })).toString('base64');
    expect(await failure(scf.request('CreateFunction', { FunctionName: 'fn1', ...NAMESPACE, Runtime: 'Nodejs8.9', Code: { ZipFile } }))).toMatchObject({ code: 'InvalidParameterValue.Runtime' });
    expect(await failure(scf.request('CreateFunction', { FunctionName: 'fn1', ...NAMESPACE, Runtime: 'Nodejs24.11', Code: { ZipFile }, Environment: { Variables: [{ Key: 'A', Value: '' }] } }))).toMatchObject({
      code: 'InvalidParameterValue.Environment',
    });
    expect(api.functionNamed('fn1')).toBeUndefined();
    expect(await failure(client(api, 'scf', undefined, 'ap-beijing').request('GetFunction', { FunctionName: 'fn1', ...NAMESPACE }))).toMatchObject({ code: 'ResourceNotFound.Namespace' });
  });
});
