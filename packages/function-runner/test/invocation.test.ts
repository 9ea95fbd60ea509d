import {
  buildEvent,
  invocationEnvironment,
  processEnvironment,
  resolveDeployment,
  timerTime,
} from '../src';

const deployment = resolveDeployment({
  functionDir: 'cloudfunctions/getMonthlyRetain',
  contextUrl: 'http://127.0.0.1:1234/fn/getMonthlyRetain',
  env: { ANALYTICS_ADMIN_OPENIDS: 'oAdmin' },
});
const startedAt = new Date('2024-06-01T02:00:00.123Z');

describe('resolveDeployment', () => {
  it('names the function after its folder and fills the defaults', () => {
    expect(deployment.functionName).toBe('getMonthlyRetain');
    expect(deployment.envId).toBe('local-env');
    expect(deployment.appid).toBe('wx0000000000000000');
  });
});

describe('buildEvent', () => {
  it('adds userInfo to a Mini Program call, overriding any userInfo the caller sent', () => {
    const event = buildEvent(
      { caller: { kind: 'miniprogram', openid: 'oUser' }, data: { month: '2024-05', userInfo: { openId: 'oForged' } } },
      deployment,
      startedAt,
    );
    expect(event).toEqual({ month: '2024-05', userInfo: { appId: 'wx0000000000000000', openId: 'oUser' } });
  });

  it('gives a timer the platform\'s timer event, with an empty Message by default, and ignores data', () => {
    const event = buildEvent({ caller: { kind: 'timer', triggerName: 'monthly' }, data: { month: '2024-05' } }, deployment, startedAt);
    expect(event).toStrictEqual({ Type: 'Timer', TriggerName: 'monthly', Time: '2024-06-01T02:00:00Z', Message: '' });
    expect(Object.keys(event)).toEqual(['Type', 'TriggerName', 'Time', 'Message']);
  });

  it('gives a timer the trigger\'s custom message as Message', () => {
    const event = buildEvent({ caller: { kind: 'timer', message: '{"months":3}' } }, deployment, startedAt);
    expect(event).toStrictEqual({ Type: 'Timer', TriggerName: 'timer', Time: '2024-06-01T02:00:00Z', Message: '{"months":3}' });
  });

  it('passes another function’s data as-is and a raw event untouched', () => {
    expect(buildEvent({ caller: { kind: 'function' }, data: { a: 1 } }, deployment, startedAt)).toEqual({ a: 1 });
    const rawEvent = { Type: 'Timer', TriggerName: 'forged' };
    expect(buildEvent({ caller: { kind: 'miniprogram', openid: 'o' }, rawEvent }, deployment, startedAt)).toBe(rawEvent);
  });
});

describe('invocationEnvironment', () => {
  it('identifies a Mini Program user', () => {
    const env = invocationEnvironment({ kind: 'miniprogram', openid: 'oUser', unionid: 'uUser', source: 'wx_devtools' }, deployment, 'req-1');
    expect(env).toMatchObject({ WX_OPENID: 'oUser', WX_APPID: 'wx0000000000000000', WX_UNIONID: 'uUser', TCB_SOURCE: 'wx_devtools' });
    expect(env.WX_CONTEXT_KEYS?.split(',')).toEqual(expect.arrayContaining(['WX_OPENID', 'WX_APPID', 'WX_UNIONID']));
  });

  it('gives a timer no user and marks the trigger', () => {
    const env = invocationEnvironment({ kind: 'timer' }, deployment, 'req-2');
    expect(env).toMatchObject({ TCB_SOURCE: 'wx_trigger', TRIGGER_SRC: 'timer' });
    expect(env).not.toHaveProperty('WX_OPENID');
    expect(env).not.toHaveProperty('WX_APPID');
  });

  it('marks a call from another function as scf, or the chain it is given', () => {
    expect(invocationEnvironment({ kind: 'function' }, deployment, 'r').TCB_SOURCE).toBe('scf');
    expect(invocationEnvironment({ kind: 'function', source: 'wx_client,scf' }, deployment, 'r').TCB_SOURCE).toBe('wx_client,scf');
  });

  it('gives a request through the HTTP access service no user, no API token and no SOURCE unless told', () => {
    const env = invocationEnvironment({ kind: 'http' }, deployment, 'r');
    for (const name of ['WX_OPENID', 'WX_APPID', 'WX_API_TOKEN', 'TCB_SOURCE']) expect(env).not.toHaveProperty(name);
    expect(invocationEnvironment({ kind: 'http', source: 'http' }, deployment, 'r').TCB_SOURCE).toBe('http');
  });
});

describe('processEnvironment', () => {
  const leakedName = 'RUNTIME_TEST_SHELL_VARIABLE';
  afterEach(() => {
    delete process.env[leakedName];
  });

  it('sets the platform variables and keeps the parent shell out', () => {
    process.env[leakedName] = 'leaked';
    const env = processEnvironment(deployment);
    expect(env).toMatchObject({
      TZ: 'UTC',
      TCB_ENV: 'local-env',
      SCF_NAMESPACE: 'local-env',
      TENCENTCLOUD_RUNENV: 'SCF',
      ANALYTICS_ADMIN_OPENIDS: 'oAdmin',
      TCB_CONTEXT_CNFG: JSON.stringify({ URL: 'http://127.0.0.1:1234/fn/getMonthlyRetain' }),
    });
    expect(env).not.toHaveProperty(leakedName);
    expect(env).not.toHaveProperty('NODE_OPTIONS');
  });
});

describe('timerTime', () => {
  it('drops the milliseconds', () => {
    expect(timerTime(startedAt)).toBe('2024-06-01T02:00:00Z');
  });
});
