import {
  ACCESS_TOKEN_API,
  EMULATOR_APP_SECRET,
  EMULATOR_APPID,
  STABLE_TOKEN_API,
  startEmulator,
  type Emulator,
} from '../src';

const START = new Date('2024-05-15T04:00:00Z');
const OTHER_APP = { appid: 'wx1111111111111111', secret: 'other-app-secret-fedcba9876543210' };
const RETAIN_PATH = '/datacube/getweanalysisappidmonthlyretaininfo';
const RID = 'rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$';

let emulator: Emulator;
let nowMs = START.getTime();

const advance = (seconds: number): void => {
  nowMs += seconds * 1000;
};

interface TokenReply {
  access_token?: string;
  expires_in?: number;
  errcode?: number;
  errmsg?: string;
}

async function stableToken(body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<TokenReply> {
  const response = await fetch(`${emulator.url}/cgi-bin/stable_token`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as TokenReply;
}

const stable = (extra: Record<string, unknown> = {}): Promise<TokenReply> =>
  stableToken({ grant_type: 'client_credential', appid: EMULATOR_APPID, secret: EMULATOR_APP_SECRET, ...extra });

async function classicToken(params: Record<string, string> = { grant_type: 'client_credential', appid: EMULATOR_APPID, secret: EMULATOR_APP_SECRET }): Promise<TokenReply> {
  const response = await fetch(`${emulator.url}/cgi-bin/token?${new URLSearchParams(params).toString()}`);
  expect(response.status).toBe(200);
  return (await response.json()) as TokenReply;
}

/** The datacube's answer to `token`: 0 for data, else the errcode. */
async function useToken(token: string | undefined): Promise<number> {
  const response = await fetch(`${emulator.url}${RETAIN_PATH}?access_token=${encodeURIComponent(token ?? '')}`, {
    method: 'POST',
    body: JSON.stringify({ begin_date: '20240301', end_date: '20240331' }),
  });
  const reply = (await response.json()) as { errcode?: number };
  return reply.errcode ?? 0;
}

beforeAll(async () => {
  emulator = await startEmulator({
    apps: [{ appid: EMULATOR_APPID, secret: EMULATOR_APP_SECRET }, OTHER_APP],
    accessToken: null,
    now: () => new Date(nowMs),
  });
});

beforeEach(() => {
  nowMs = START.getTime();
  emulator.tokens.reset();
  emulator.faults.clear();
  emulator.resetCalls();
});

afterAll(() => emulator.close());

describe('POST /cgi-bin/stable_token', () => {
  it('returns the current token with its remaining lifetime', async () => {
    const first = await stable();
    expect(first).toEqual({ access_token: expect.any(String), expires_in: 7200 });
    advance(1000);
    expect(await stable()).toEqual({ access_token: first.access_token, expires_in: 6200 });
    expect(emulator.tokens.current()).toBe(first.access_token);
    expect(emulator.tokens.issued).toBe(1);
    expect(await useToken(first.access_token)).toBe(0);
  });

  it('mints the successor in the last 300 s; both work until the old one expires, then 42001', async () => {
    const first = await stable();
    advance(7200 - 301);
    expect(await stable()).toEqual({ access_token: first.access_token, expires_in: 301 });
    advance(1);
    const second = await stable();
    expect(second).toEqual({ access_token: expect.any(String), expires_in: 7200 });
    expect(second.access_token).not.toBe(first.access_token);
    advance(100);
    expect(await stable()).toEqual({ access_token: second.access_token, expires_in: 7100 });
    expect(await useToken(first.access_token)).toBe(0);
    expect(await useToken(second.access_token)).toBe(0);
    advance(200);
    expect(await useToken(first.access_token)).toBe(42001);
    expect(await useToken(second.access_token)).toBe(0);
    expect(emulator.tokens.current()).toBe(second.access_token);
  });

  it('a token nobody renewed expires: 42001, and the next call mints a fresh one', async () => {
    const first = await stable();
    advance(7200);
    expect(await useToken(first.access_token)).toBe(42001);
    expect(emulator.tokens.current()).toBeUndefined();
    const next = await stable();
    expect(next).toEqual({ access_token: expect.any(String), expires_in: 7200 });
    expect(next.access_token).not.toBe(first.access_token);
  });

  it('force_refresh mints at once and invalidates the previous token (40001)', async () => {
    const first = await stable();
    advance(60);
    const forced = await stable({ force_refresh: true });
    expect(forced).toEqual({ access_token: expect.any(String), expires_in: 7200 });
    expect(forced.access_token).not.toBe(first.access_token);
    expect(await useToken(first.access_token)).toBe(40001);
    expect(await useToken(forced.access_token)).toBe(0);
    expect(await stable()).toEqual({ access_token: forced.access_token, expires_in: 7200 });
  });

  it('force_refresh: at least 30 s apart (45011) and at most 20 a day (45009)', async () => {
    const first = await stable({ force_refresh: true });
    advance(29);
    const tooSoon = await stable({ force_refresh: true });
    expect(tooSoon).toEqual({ errcode: 45011, errmsg: expect.stringMatching(new RegExp(`^force_refresh too frequent: at most once per 30 seconds ${RID}`)) });
    expect(await useToken(first.access_token)).toBe(0);
    for (let i = 2; i <= 20; i += 1) {
      advance(30);
      expect(await stable({ force_refresh: true })).toHaveProperty('expires_in', 7200);
    }
    advance(30);
    expect(await stable({ force_refresh: true })).toEqual({ errcode: 45009, errmsg: expect.stringMatching(new RegExp(`^reach max api daily quota limit ${RID}`)) });
    // The quota is per day in China time: 2024-05-16 00:00 +08:00 is 2024-05-15T16:00Z.
    nowMs = new Date('2024-05-15T16:00:00Z').getTime();
    expect(await stable({ force_refresh: true })).toHaveProperty('expires_in', 7200);
  });

  it.each([
    ['a wrong grant_type', 40002, '^invalid grant_type ', { grant_type: 'password', appid: EMULATOR_APPID, secret: EMULATOR_APP_SECRET }],
    ['no grant_type', 40002, '^invalid grant_type ', { appid: EMULATOR_APPID, secret: EMULATOR_APP_SECRET }],
    ['no appid', 41002, '^appid missing ', { grant_type: 'client_credential', secret: EMULATOR_APP_SECRET }],
    ['no secret', 41004, '^appsecret missing ', { grant_type: 'client_credential', appid: EMULATOR_APPID }],
    ['an unknown appid', 40013, '^invalid appid hint: \\[wx9999999999999999\\] ', { grant_type: 'client_credential', appid: 'wx9999999999999999', secret: EMULATOR_APP_SECRET }],
    ['a wrong secret', 40125, '^invalid appsecret ', { grant_type: 'client_credential', appid: EMULATOR_APPID, secret: 'wrong' }],
    ["another app's secret", 40125, '^invalid appsecret ', { grant_type: 'client_credential', appid: EMULATOR_APPID, secret: OTHER_APP.secret }],
  ])('%s is %d', async (_case, errcode, errmsg, body) => {
    expect(await stableToken(body)).toEqual({ errcode, errmsg: expect.stringMatching(new RegExp(errmsg + RID)) });
    expect(emulator.tokens.issued).toBe(0);
  });

  it('reads JSON whatever the content type; other bodies get 44002 / 47001; GET gets 43002', async () => {
    const body = JSON.stringify({ grant_type: 'client_credential', appid: EMULATOR_APPID, secret: EMULATOR_APP_SECRET });
    expect(await stableToken(body, { 'content-type': 'text/plain' })).toHaveProperty('expires_in', 7200);
    expect(await stableToken(body, {})).toHaveProperty('expires_in', 7200);
    expect(await stableToken('grant_type=client_credential', { 'content-type': 'application/x-www-form-urlencoded' })).toEqual({
      errcode: 47001,
      errmsg: expect.stringMatching(new RegExp(`^data format error ${RID}`)),
    });
    expect(await stableToken('[1]')).toMatchObject({ errcode: 47001 });
    expect(await stableToken('')).toMatchObject({ errcode: 44002 });
    const get = await fetch(`${emulator.url}/cgi-bin/stable_token`);
    expect(await get.json()).toMatchObject({ errcode: 43002 });
  });

  it('keeps each app apart', async () => {
    const mine = await stable();
    const other = await stableToken({ grant_type: 'client_credential', ...OTHER_APP });
    expect(other.access_token).not.toBe(mine.access_token);
    expect(emulator.tokens.current(OTHER_APP.appid)).toBe(other.access_token);
    expect(emulator.tokens.current()).toBe(mine.access_token);
  });
});

describe('GET /cgi-bin/token', () => {
  it('mints on every call; the previous token works 300 s more, then 40001', async () => {
    const first = await classicToken();
    expect(first).toEqual({ access_token: expect.any(String), expires_in: 7200 });
    advance(10);
    const second = await classicToken();
    expect(second).toEqual({ access_token: expect.any(String), expires_in: 7200 });
    expect(second.access_token).not.toBe(first.access_token);
    expect(emulator.tokens.current(EMULATOR_APPID, 'classic')).toBe(second.access_token);
    advance(299);
    expect(await useToken(first.access_token)).toBe(0);
    advance(1);
    expect(await useToken(first.access_token)).toBe(40001);
    expect(await useToken(second.access_token)).toBe(0);
    advance(7200 - 300);
    expect(await useToken(second.access_token)).toBe(42001);
  });

  it('a third call does not extend the grace of the first token', async () => {
    const first = await classicToken();
    await classicToken();
    advance(200);
    await classicToken();
    advance(100);
    expect(await useToken(first.access_token)).toBe(40001);
  });

  it('is separate from stable_token: neither invalidates the other', async () => {
    const stableReply = await stable();
    const classic = await classicToken();
    advance(400);
    await classicToken();
    expect(await useToken(stableReply.access_token)).toBe(0);
    const classicNow = emulator.tokens.current(EMULATOR_APPID, 'classic');
    await stable({ force_refresh: true });
    expect(await useToken(classicNow)).toBe(0);
    advance(300);
    expect(await useToken(classic.access_token)).toBe(40001);
    expect(await useToken(classicNow)).toBe(0);
  });

  it("checks credentials as stable_token does; POST gets 43001", async () => {
    expect(await classicToken({ grant_type: 'client_credential', appid: EMULATOR_APPID, secret: 'wrong' })).toMatchObject({ errcode: 40125 });
    expect(await classicToken({ grant_type: 'client_credential', appid: EMULATOR_APPID })).toMatchObject({ errcode: 41004 });
    expect(await classicToken({ grant_type: 'client_credential', secret: EMULATOR_APP_SECRET })).toMatchObject({ errcode: 41002 });
    expect(await classicToken({ appid: EMULATOR_APPID, secret: EMULATOR_APP_SECRET })).toMatchObject({ errcode: 40002 });
    const post = await fetch(`${emulator.url}/cgi-bin/token?grant_type=client_credential&appid=${EMULATOR_APPID}&secret=${EMULATOR_APP_SECRET}`, { method: 'POST' });
    expect(await post.json()).toMatchObject({ errcode: 43001 });
    expect(emulator.tokens.issued).toBe(0);
  });
});

describe('the datacube access_token check', () => {
  it('answers 40001 for an unknown token, 41001 without one, with WeChat errmsgs', async () => {
    const reply = async (query: string): Promise<unknown> =>
      (await fetch(`${emulator.url}${RETAIN_PATH}${query}`, { method: 'POST', body: '{"begin_date":"20240301","end_date":"20240331"}' })).json();
    expect(await reply('?access_token=not-a-token')).toEqual({
      errcode: 40001,
      errmsg: expect.stringMatching(new RegExp(`^invalid credential, access_token is invalid or not latest ${RID}`)),
    });
    expect(await reply('')).toEqual({ errcode: 41001, errmsg: expect.stringMatching(new RegExp(`^access_token missing ${RID}`)) });
    expect(await reply('?access_token=')).toMatchObject({ errcode: 41001 });
  });

  it("reports 42001 with WeChat's errmsg", async () => {
    const { access_token: token } = await stable();
    advance(7200);
    const response = await fetch(`${emulator.url}${RETAIN_PATH}?access_token=${token ?? ''}`, { method: 'POST', body: '{}' });
    expect(await response.json()).toEqual({ errcode: 42001, errmsg: expect.stringMatching(new RegExp(`^access_token expired ${RID}`)) });
  });

  it('still accepts the fixed accessToken option besides minted tokens', async () => {
    const fixed = await startEmulator({ accessToken: 'fixed-token', now: () => new Date(nowMs) });
    try {
      const response = await fetch(`${fixed.url}${RETAIN_PATH}?access_token=fixed-token`, { method: 'POST', body: '{"begin_date":"20240301","end_date":"20240331"}' });
      expect(await response.json()).toHaveProperty('ref_date', '202403');
    } finally {
      await fixed.close();
    }
  });
});

describe('test helpers', () => {
  it('invalidate() is another service force-refreshing the stable token', async () => {
    const first = await stable();
    expect(emulator.tokens.invalidate(first.access_token ?? '')).toBe(true);
    expect(await useToken(first.access_token)).toBe(40001);
    const successor = emulator.tokens.current();
    expect(successor).toBeDefined();
    expect(successor).not.toBe(first.access_token);
    expect(await stable()).toEqual({ access_token: successor, expires_in: 7200 });
    expect(emulator.tokens.issued).toBe(2);
    expect(emulator.tokens.invalidate(first.access_token ?? '')).toBe(false);
    expect(emulator.tokens.invalidate('unknown')).toBe(false);
    // it does not use the force-refresh quota
    expect(await stable({ force_refresh: true })).toHaveProperty('expires_in', 7200);
  });

  it('invalidate() of a /cgi-bin/token token ends it at once', async () => {
    const { access_token: token } = await classicToken();
    expect(emulator.tokens.invalidate(token ?? '')).toBe(true);
    expect(await useToken(token)).toBe(40001);
  });

  it('rejectIp() makes both token endpoints answer 40164 naming the IP', async () => {
    const { access_token: token } = await stable();
    emulator.tokens.rejectIp('1.2.3.4');
    const errmsg = expect.stringMatching(new RegExp(`^invalid ip 1\\.2\\.3\\.4 ipv6 ::ffff:1\\.2\\.3\\.4, not in whitelist ${RID}`));
    expect(await stable()).toEqual({ errcode: 40164, errmsg });
    expect(await classicToken()).toEqual({ errcode: 40164, errmsg });
    expect(await useToken(token)).toBe(0);
    emulator.tokens.rejectIp(null);
    expect(await stable()).toEqual({ access_token: token, expires_in: 7200 });
  });
});

describe('call record, faults and latency', () => {
  it('records every token call with its appid, never the secret or the token', async () => {
    await stable();
    await stable({ secret: 'wrong' });
    await classicToken();
    expect(emulator.countCalls({ apiName: STABLE_TOKEN_API })).toBe(2);
    expect(emulator.countCalls({ apiName: ACCESS_TOKEN_API })).toBe(1);
    expect(emulator.calls).toEqual([
      { functionName: null, apiName: STABLE_TOKEN_API, transport: 'https', appid: EMULATOR_APPID, errcode: 0, at: START },
      { functionName: null, apiName: STABLE_TOKEN_API, transport: 'https', appid: EMULATOR_APPID, errcode: 40125, at: START },
      { functionName: null, apiName: ACCESS_TOKEN_API, transport: 'https', appid: EMULATOR_APPID, errcode: 0, at: START },
    ]);
    const recorded = JSON.stringify(emulator.calls);
    expect(recorded).not.toContain(EMULATOR_APP_SECRET);
    expect(recorded).not.toContain(emulator.tokens.current() ?? '');
  });

  it('prints nothing about secrets or tokens', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) => jest.spyOn(console, method).mockImplementation(() => undefined));
    try {
      const { access_token: token } = await stable();
      await stable({ secret: 'wrong-secret-value' });
      await classicToken();
      await useToken(token);
      await useToken('not-a-token');
      const printed = JSON.stringify(spies.map((spy) => spy.mock.calls));
      for (const secret of [EMULATOR_APP_SECRET, 'wrong-secret-value', token ?? '-']) expect(printed).not.toContain(secret);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('injects faults by name; "*" faults leave the token endpoints alone', async () => {
    emulator.faults.failNext('*', 45009);
    emulator.faults.failNext(STABLE_TOKEN_API, -1);
    emulator.faults.malformedNext(ACCESS_TOKEN_API);
    emulator.faults.dropNext(STABLE_TOKEN_API);
    expect(await stable()).toEqual({ errcode: -1, errmsg: 'system error' });
    await expect(stable()).rejects.toThrow();
    const malformed = await fetch(`${emulator.url}/cgi-bin/token?grant_type=client_credential&appid=${EMULATOR_APPID}&secret=${EMULATOR_APP_SECRET}`);
    await expect(malformed.json()).rejects.toHaveProperty('name', 'SyntaxError');
    const { access_token: token } = await stable();
    expect(await useToken(token)).toBe(45009);
    expect(emulator.calls.map((call) => [call.apiName, call.errcode, call.fault])).toEqual([
      [STABLE_TOKEN_API, -1, 'fail'],
      [STABLE_TOKEN_API, -501001, 'drop'],
      [ACCESS_TOKEN_API, -601001, 'malformed'],
      [STABLE_TOKEN_API, 0, undefined],
      ['analysis.getMonthlyRetain', 45009, 'fail'],
    ]);
  });

  it('delays a token endpoint only when named', async () => {
    emulator.faults.latency(400);
    let started = Date.now();
    await stable();
    expect(Date.now() - started).toBeLessThan(300);
    emulator.faults.latency(300, STABLE_TOKEN_API);
    started = Date.now();
    await stable();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe('control endpoints', () => {
  it('inject token faults and the IP rejection', async () => {
    const controlled = await startEmulator({ control: true, now: () => START });
    const post = async (pathname: string, body: unknown): Promise<{ status: number; json: unknown }> => {
      const response = await fetch(`${controlled.url}${pathname}`, { method: 'POST', body: JSON.stringify(body) });
      return { status: response.status, json: await response.json() };
    };
    const token = async (): Promise<unknown> =>
      (
        await fetch(`${controlled.url}/cgi-bin/stable_token`, {
          method: 'POST',
          body: JSON.stringify({ grant_type: 'client_credential', appid: EMULATOR_APPID, secret: EMULATOR_APP_SECRET }),
        })
      ).json();
    try {
      expect(await post('/control/faults', { api: 'cgi-bin/stable_token', errcode: -1 })).toEqual({
        status: 200,
        json: { ok: true, fault: { apiName: STABLE_TOKEN_API, errcode: -1, times: 1 } },
      });
      expect(await token()).toMatchObject({ errcode: -1 });
      expect(await post('/control/tokens', { rejectIp: '10.0.0.7' })).toEqual({ status: 200, json: { ok: true, rejectIp: '10.0.0.7' } });
      expect(await token()).toMatchObject({ errcode: 40164, errmsg: expect.stringContaining('invalid ip 10.0.0.7 ipv6 ::ffff:10.0.0.7') });
      expect(await post('/control/tokens', { rejectIp: null })).toEqual({ status: 200, json: { ok: true, rejectIp: null } });
      expect(await token()).toMatchObject({ expires_in: 7200 });
      expect(await post('/control/tokens', { rejectIp: 42 })).toMatchObject({ status: 400 });
      const calls = (await (await fetch(`${controlled.url}/control/calls`)).json()) as { calls: Array<{ apiName: string }> };
      expect(calls.calls.filter((call) => call.apiName === STABLE_TOKEN_API)).toHaveLength(3);
      expect(JSON.stringify(calls)).not.toContain(EMULATOR_APP_SECRET);
    } finally {
      await controlled.close();
    }
  });
});
