import {
  AUTHORIZER_LIST_API,
  AUTHORIZER_TOKEN_API,
  COMPONENT_TOKEN_API,
  decryptMessage,
  EMULATOR_APP_SECRET,
  EMULATOR_APPID,
  EMULATOR_COMPONENT_AES_KEY,
  EMULATOR_COMPONENT_APPID,
  EMULATOR_COMPONENT_APPSECRET,
  EMULATOR_COMPONENT_EVENT_PATH,
  EMULATOR_COMPONENT_TOKEN,
  QUERY_AUTH_API,
  resolveFaultApi,
  signMessage,
  signRequest,
  START_PUSH_TICKET_API,
  startEmulator,
  type Emulator,
  type HttpAccessEvent,
} from '../src';

const START = new Date('2024-05-15T04:00:00Z');
const SHOP_A = 'wxa000000000000001';
const SHOP_B = 'wxb000000000000002';
const MARCH = { begin_date: '20240301', end_date: '20240331' };
const RID = / rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

let emulator: Emulator;
let nowMs = START.getTime();
const advance = (seconds: number): void => {
  nowMs += seconds * 1000;
};

type Reply = Record<string, unknown> & { errcode?: number; errmsg?: string };

async function post(path: string, body: unknown, query: Record<string, string> = {}): Promise<Reply> {
  const search = new URLSearchParams(query).toString();
  const response = await fetch(`${emulator.url}${path}${search ? `?${search}` : ''}`, { method: 'POST', body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return (await response.json()) as Reply;
}

const componentToken = (ticket: string, extra: Record<string, unknown> = {}): Promise<Reply> =>
  post(`/${COMPONENT_TOKEN_API}`, {
    component_appid: EMULATOR_COMPONENT_APPID,
    component_appsecret: EMULATOR_COMPONENT_APPSECRET,
    component_verify_ticket: ticket,
    ...extra,
  });

async function freshComponentToken(): Promise<string> {
  const reply = await componentToken(emulator.component.issueTicket().ticket);
  return reply.component_access_token as string;
}

const queryAuth = (cat: string, code: string): Promise<Reply> =>
  post(`/${QUERY_AUTH_API}`, { component_appid: EMULATOR_COMPONENT_APPID, authorization_code: code }, { component_access_token: cat });

const authorizerToken = (query: Record<string, string>, appid: string, refreshToken: string | undefined): Promise<Reply> =>
  post(`/${AUTHORIZER_TOKEN_API}`, { component_appid: EMULATOR_COMPONENT_APPID, authorizer_appid: appid, authorizer_refresh_token: refreshToken }, query);

const authorizerList = (cat: string, offset: number, count: number): Promise<Reply> =>
  post(`/${AUTHORIZER_LIST_API}`, { component_appid: EMULATOR_COMPONENT_APPID, offset, count }, { component_access_token: cat });

const retain = (token: string | undefined): Promise<Reply> =>
  post('/datacube/getweanalysisappidmonthlyretaininfo', MARCH, { access_token: token ?? '' });

/** Authorises `appid` and exchanges the code: its first authorizer token and refresh token. */
async function onboard(appid: string, funcs: number[] = [17, 18, 19]): Promise<{ cat: string; accessToken: string; refreshToken: string }> {
  const cat = await freshComponentToken();
  const { authorizationCode } = emulator.component.authorize(appid, { funcs });
  const info = (await queryAuth(cat, authorizationCode)).authorization_info as Record<string, string>;
  return { cat, accessToken: info.authorizer_access_token as string, refreshToken: info.authorizer_refresh_token as string };
}

/** What the platform's function does with a push: check both signatures, decrypt, read the fields. */
function receive(push: HttpAccessEvent): Record<string, string> {
  const { signature, timestamp = '', nonce = '', msg_signature: msgSignature, encrypt_type: encryptType } = push.queryStringParameters;
  expect(encryptType).toBe('aes');
  expect(signature).toBe(signRequest(EMULATOR_COMPONENT_TOKEN, timestamp, nonce));
  const envelope = /^<xml>\s*<AppId><!\[CDATA\[(\w+)\]\]><\/AppId>\s*<Encrypt><!\[CDATA\[([A-Za-z0-9+/=]+)\]\]><\/Encrypt>\s*<\/xml>$/.exec(push.body);
  expect(envelope).not.toBeNull();
  const [, appid = '', encrypt = ''] = envelope ?? [];
  expect(appid).toBe(EMULATOR_COMPONENT_APPID);
  expect(msgSignature).toBe(signMessage(EMULATOR_COMPONENT_TOKEN, timestamp, nonce, encrypt));
  const { message } = decryptMessage(encrypt, EMULATOR_COMPONENT_AES_KEY, EMULATOR_COMPONENT_APPID);
  const fields: Record<string, string> = {};
  for (const [, name = '', cdata, plain] of message.matchAll(/<(\w+)>(?:<!\[CDATA\[(.*?)\]\]>|([^<]*))<\/\1>/g)) fields[name] = cdata ?? plain ?? '';
  return fields;
}

beforeAll(async () => {
  emulator = await startEmulator({ accessToken: null, now: () => new Date(nowMs), control: true });
});

beforeEach(() => {
  nowMs = START.getTime();
  emulator.component.reset();
  emulator.tokens.reset();
  emulator.faults.clear();
  emulator.resetCalls();
});

afterAll(() => emulator.close());

describe('pushes to the authorization-event URL', () => {
  it('a ticket push is the encrypted, signed request of the HTTP access service', () => {
    const { ticket, push } = emulator.component.issueTicket();
    expect(push).toMatchObject({ path: EMULATOR_COMPONENT_EVENT_PATH, httpMethod: 'POST', isBase64Encoded: false, headers: { 'content-type': 'text/xml' } });
    expect(push.queryStringParameters.timestamp).toBe(String(START.getTime() / 1000));
    expect(receive(push)).toEqual({
      AppId: EMULATOR_COMPONENT_APPID,
      CreateTime: String(START.getTime() / 1000),
      InfoType: 'component_verify_ticket',
      ComponentVerifyTicket: ticket,
    });
  });

  it('authorized, updateauthorized and unauthorized carry the authorizer and the code', () => {
    const granted = emulator.component.authorize(SHOP_A);
    expect(receive(granted.push)).toEqual({
      AppId: EMULATOR_COMPONENT_APPID,
      CreateTime: String(START.getTime() / 1000),
      InfoType: 'authorized',
      AuthorizerAppid: SHOP_A,
      AuthorizationCode: granted.authorizationCode,
      AuthorizationCodeExpiredTime: String(START.getTime() / 1000 + 600),
      PreAuthCode: expect.stringMatching(/^preauthcode@@@/),
    });
    const updated = emulator.component.updateAuthorization(SHOP_A, { funcs: [17] });
    expect(receive(updated.push)).toMatchObject({ InfoType: 'updateauthorized', AuthorizerAppid: SHOP_A, AuthorizationCode: updated.authorizationCode });
    expect(receive(emulator.component.revoke(SHOP_A).push)).toEqual({
      AppId: EMULATOR_COMPONENT_APPID,
      CreateTime: String(START.getTime() / 1000),
      InfoType: 'unauthorized',
      AuthorizerAppid: SHOP_A,
    });
    expect(() => emulator.component.revoke(SHOP_A)).toThrow(RangeError);
  });

  it('POST /control/component issues a ticket and switches the IP rejection', async () => {
    const reply = (await post('/control/component', { issueTicket: true })) as { ticket: string; push: HttpAccessEvent };
    expect(receive(reply.push).ComponentVerifyTicket).toBe(reply.ticket);
    expect(await componentToken(reply.ticket)).toHaveProperty('expires_in', 7200);
    await post('/control/component', { rejectIp: '10.0.0.8' });
    expect((await componentToken(reply.ticket)).errcode).toBe(61004);
    await post('/control/component', { rejectIp: null });
    expect((await componentToken(reply.ticket)).errcode).toBeUndefined();
  });
});

describe('POST /cgi-bin/component/api_component_token', () => {
  it('mints a new token on each call; the previous one works 5 more minutes', async () => {
    const { ticket } = emulator.component.issueTicket();
    const first = await componentToken(ticket);
    expect(first).toEqual({ component_access_token: expect.any(String), expires_in: 7200 });
    advance(60);
    const second = await componentToken(ticket);
    expect(second.component_access_token).not.toBe(first.component_access_token);
    expect(emulator.component.currentComponentToken()).toBe(second.component_access_token);
    expect(await authorizerList(first.component_access_token as string, 0, 10)).toEqual({ total_count: 0, list: [] });
    advance(300);
    expect((await authorizerList(first.component_access_token as string, 0, 10)).errcode).toBe(40001);
    expect((await authorizerList(second.component_access_token as string, 0, 10)).errcode).toBeUndefined();
    advance(7200);
    expect(await authorizerList(second.component_access_token as string, 0, 10)).toEqual({ errcode: 42001, errmsg: expect.stringMatching(RID) });
  });

  it('a ticket is valid 12 hours: then 61005; an unknown ticket 61006', async () => {
    const { ticket } = emulator.component.issueTicket();
    advance(12 * 3600 - 1);
    expect(await componentToken(ticket)).toHaveProperty('expires_in', 7200);
    advance(1);
    expect(await componentToken(ticket)).toEqual({ errcode: 61005, errmsg: expect.stringMatching(/^component ticket is expired rid: /) });
    expect(await componentToken('ticket@@@made-up')).toEqual({ errcode: 61006, errmsg: expect.stringMatching(/^component ticket is invalid rid: /) });
    expect((await componentToken(emulator.component.issueTicket().ticket)).errcode).toBeUndefined();
  });

  it('wrong secret 40125, other appid 40013, rejected IP 61004', async () => {
    const { ticket } = emulator.component.issueTicket();
    expect((await componentToken(ticket, { component_appsecret: 'wrong' })).errcode).toBe(40125);
    expect((await componentToken(ticket, { component_appid: EMULATOR_APPID })).errcode).toBe(40013);
    emulator.component.rejectIp('203.0.113.7');
    expect(await componentToken(ticket)).toEqual({ errcode: 61004, errmsg: expect.stringMatching(/^access clientip is not registered requestIP: 203\.0\.113\.7 rid: /) });
    emulator.component.rejectIp(null);
    expect((await componentToken(ticket)).errcode).toBeUndefined();
  });

  it('is counted in the call record with the component appid, and faults reach it only by name', async () => {
    const { ticket } = emulator.component.issueTicket();
    emulator.faults.failNext('*', -1);
    emulator.faults.failNext(resolveFaultApi('/cgi-bin/component/api_component_token'), 45009);
    expect((await componentToken(ticket)).errcode).toBe(45009);
    expect((await componentToken(ticket)).errcode).toBeUndefined();
    expect(emulator.countCalls({ apiName: COMPONENT_TOKEN_API })).toBe(2);
    expect(emulator.calls.map(({ apiName, appid, errcode, fault }) => ({ apiName, appid, errcode, fault }))).toEqual([
      { apiName: COMPONENT_TOKEN_API, appid: undefined, errcode: 45009, fault: 'fail' },
      { apiName: COMPONENT_TOKEN_API, appid: EMULATOR_COMPONENT_APPID, errcode: 0, fault: undefined },
    ]);
    expect(JSON.stringify(emulator.calls)).not.toContain(EMULATOR_COMPONENT_APPSECRET);
    expect(JSON.stringify(emulator.calls)).not.toContain(ticket);
  });
});

describe('authorizations', () => {
  it('api_query_auth exchanges a code once for the authorizer token, refresh token and permission sets', async () => {
    const cat = await freshComponentToken();
    const { authorizationCode } = emulator.component.authorize(SHOP_A, { funcs: [17, 18] });
    const reply = await queryAuth(cat, authorizationCode);
    expect(reply).toEqual({
      authorization_info: {
        authorizer_appid: SHOP_A,
        authorizer_access_token: expect.any(String),
        expires_in: 7200,
        authorizer_refresh_token: emulator.component.refreshToken(SHOP_A),
        func_info: [{ funcscope_category: { id: 17 } }, { funcscope_category: { id: 18 } }],
      },
    });
    expect(await queryAuth(cat, authorizationCode)).toEqual({ errcode: 61009, errmsg: expect.stringMatching(/^code is invalid rid: /) });
    expect(emulator.calls.at(-1)).toMatchObject({ apiName: QUERY_AUTH_API, errcode: 61009 });
  });

  it('a code expires after 10 minutes: 61010', async () => {
    const { authorizationCode } = emulator.component.authorize(SHOP_A);
    advance(600);
    expect(await queryAuth(await freshComponentToken(), authorizationCode)).toEqual({ errcode: 61010, errmsg: expect.stringMatching(/^code is expired rid: /) });
  });

  it('api_authorizer_token takes the component token as component_access_token or access_token', async () => {
    const { cat, accessToken, refreshToken } = await onboard(SHOP_A);
    const viaComponent = await authorizerToken({ component_access_token: cat }, SHOP_A, refreshToken);
    expect(viaComponent).toEqual({ authorizer_access_token: expect.any(String), expires_in: 7200, authorizer_refresh_token: refreshToken });
    const viaAccess = await authorizerToken({ access_token: cat }, SHOP_A, refreshToken);
    expect(viaAccess).toEqual({ authorizer_access_token: expect.any(String), expires_in: 7200, authorizer_refresh_token: refreshToken });
    expect(new Set([accessToken, viaComponent.authorizer_access_token, viaAccess.authorizer_access_token]).size).toBe(3);
    expect(emulator.component.currentAuthorizerToken(SHOP_A)).toBe(viaAccess.authorizer_access_token);
    expect(emulator.calls.filter((call) => call.apiName === AUTHORIZER_TOKEN_API).map((call) => call.appid)).toEqual([SHOP_A, SHOP_A]);
  });

  it('rotating refresh tokens: each reply carries a new one and the previous answers 61023', async () => {
    const { cat, refreshToken } = await onboard(SHOP_A);
    emulator.component.rotateRefreshTokens(true);
    const rotated = await authorizerToken({ component_access_token: cat }, SHOP_A, refreshToken);
    expect(rotated.authorizer_refresh_token).not.toBe(refreshToken);
    expect(emulator.component.refreshToken(SHOP_A)).toBe(rotated.authorizer_refresh_token);
    expect(await authorizerToken({ component_access_token: cat }, SHOP_A, refreshToken)).toEqual({
      errcode: 61023,
      errmsg: expect.stringMatching(/^refresh_token is invalid rid: /),
    });
    emulator.component.rotateRefreshTokens(false);
    const kept = await authorizerToken({ component_access_token: cat }, SHOP_A, rotated.authorizer_refresh_token as string);
    expect(kept.authorizer_refresh_token).toBe(rotated.authorizer_refresh_token);
  });

  it('revoked authorizer 61003; re-authorising gives a new refresh token; stale component token 40001/42001', async () => {
    const { cat, refreshToken } = await onboard(SHOP_A);
    emulator.component.revoke(SHOP_A);
    expect((await authorizerToken({ component_access_token: cat }, SHOP_A, refreshToken)).errcode).toBe(61003);
    expect((await authorizerToken({ component_access_token: cat }, SHOP_B, 'refreshtoken@@@x')).errcode).toBe(61003);
    const again = await onboard(SHOP_A);
    expect(again.refreshToken).not.toBe(refreshToken);
    expect((await authorizerToken({ component_access_token: again.cat }, SHOP_A, refreshToken)).errcode).toBe(61023);
    expect(emulator.component.invalidate(again.cat)).toBe(true);
    expect((await authorizerToken({ component_access_token: again.cat }, SHOP_A, again.refreshToken)).errcode).toBe(40001);
    const expiring = await freshComponentToken();
    advance(7200);
    expect((await authorizerToken({ access_token: expiring }, SHOP_A, again.refreshToken)).errcode).toBe(42001);
    expect((await authorizerToken({}, SHOP_A, again.refreshToken)).errcode).toBe(41001);
  });

  it('api_get_authorizer_list pages the active authorizers with their refresh tokens', async () => {
    const cat = await freshComponentToken();
    for (const appid of [SHOP_A, SHOP_B, 'wxc000000000000003']) {
      emulator.component.authorize(appid);
      advance(1);
    }
    emulator.component.revoke('wxc000000000000003');
    expect(await authorizerList(cat, 0, 1)).toEqual({
      total_count: 2,
      list: [{ authorizer_appid: SHOP_A, refresh_token: emulator.component.refreshToken(SHOP_A), auth_time: START.getTime() / 1000 }],
    });
    expect(await authorizerList(cat, 1, 500)).toEqual({
      total_count: 2,
      list: [{ authorizer_appid: SHOP_B, refresh_token: emulator.component.refreshToken(SHOP_B), auth_time: START.getTime() / 1000 + 1 }],
    });
  });

  it('api_start_push_ticket checks the component secret', async () => {
    const path = `/${START_PUSH_TICKET_API}`;
    expect(await post(path, { component_appid: EMULATOR_COMPONENT_APPID, component_secret: EMULATOR_COMPONENT_APPSECRET })).toEqual({ errcode: 0, errmsg: 'ok' });
    expect((await post(path, { component_appid: EMULATOR_COMPONENT_APPID, component_secret: 'wrong' })).errcode).toBe(40125);
    expect(emulator.component.pushTicketRequests).toBe(1);
  });
});

describe('the datacube with authorizer tokens', () => {
  it("serves each authorizer its own data, different from the Mini Program's own", async () => {
    const a = await onboard(SHOP_A);
    const b = await onboard(SHOP_B);
    const own = await post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: EMULATOR_APPID, secret: EMULATOR_APP_SECRET });
    const replyA = await retain(a.accessToken);
    const replyB = await retain(b.accessToken);
    const replyOwn = await retain(own.access_token as string);
    expect(replyA).toMatchObject({ ref_date: '202403', visit_uv: expect.arrayContaining([{ key: 0, value: expect.any(Number) }]) });
    expect(replyA).not.toEqual(replyB);
    expect(replyA).not.toEqual(replyOwn);
    expect(await retain(a.accessToken)).toEqual(replyA);
    const datacube = emulator.calls.filter((call) => call.apiName === 'analysis.getMonthlyRetain');
    expect(datacube.map((call) => call.appid)).toEqual([SHOP_A, SHOP_B, undefined, SHOP_A]);
  });

  it('61007 without permission set 18, until an update grants it', async () => {
    const { accessToken } = await onboard(SHOP_A, [17, 19]);
    expect(await retain(accessToken)).toEqual({ errcode: 61007, errmsg: expect.stringMatching(/^api is unauthorized to component rid: /) });
    emulator.component.updateAuthorization(SHOP_A, { funcs: [17, 18, 19] });
    expect((await retain(accessToken)).errcode).toBeUndefined();
  });

  it('a daily quota per appid: 45009 after n calls, again the next China day', async () => {
    const { accessToken } = await onboard(SHOP_A);
    const other = await onboard(SHOP_B);
    emulator.component.setQuota(SHOP_A, 2);
    expect((await retain(accessToken)).errcode).toBeUndefined();
    expect((await retain(accessToken)).errcode).toBeUndefined();
    expect(await retain(accessToken)).toEqual({ errcode: 45009, errmsg: expect.stringMatching(/^reach max api daily quota limit rid: /) });
    expect((await retain(other.accessToken)).errcode).toBeUndefined();
    nowMs = new Date('2024-05-15T16:00:00Z').getTime(); // 2024-05-16 00:00 in China
    const fresh = await authorizerToken({ component_access_token: await freshComponentToken() }, SHOP_A, emulator.component.refreshToken(SHOP_A));
    expect((await retain(fresh.authorizer_access_token as string)).errcode).toBeUndefined();
  });

  it('61003 once the authorizer revoked; stale authorizer tokens 40001 and 42001', async () => {
    const { cat, accessToken, refreshToken } = await onboard(SHOP_A);
    const next = await authorizerToken({ component_access_token: cat }, SHOP_A, refreshToken);
    advance(299);
    expect((await retain(accessToken)).errcode).toBeUndefined();
    advance(1);
    expect((await retain(accessToken)).errcode).toBe(40001);
    advance(7200);
    expect((await retain(next.authorizer_access_token as string)).errcode).toBe(42001);
    const { accessToken: live } = await onboard(SHOP_A);
    emulator.component.revoke(SHOP_A);
    expect(await retain(live)).toEqual({ errcode: 61003, errmsg: expect.stringMatching(RID) });
  });
});
