import { componentEnvironment } from '../../scripts/emulator-environment';
import {
  COMPONENT_TOKEN_API,
  EMULATOR_AUTHORIZER_APPID,
  EMULATOR_COMPONENT_AES_KEY,
  EMULATOR_COMPONENT_APPID,
  EMULATOR_COMPONENT_APPSECRET,
  EMULATOR_COMPONENT_TOKEN,
  QUERY_AUTH_API,
  encryptMessage,
  signMessage,
  type Emulator,
  type HttpAccessEvent,
} from '@wx-monthly-analytics/cloudbase-emulator';
import type { Caller, InvokeResult } from '@wx-monthly-analytics/function-runner';
import { putDocument, replyOf, startTestCloud, useTestCloud } from '../helpers/cloud';

// 10:00 on 15 June 2024 in China.
const NOW = new Date('2024-06-15T02:00:00Z');
/** WeChat's request, through CloudBase's HTTP access service. */
const HTTP: Caller = { kind: 'http' };
const TOKENS = 'wechat_tokens';
const AUTHORIZERS = 'wechat_authorizers';
const TICKET_ID = `component_verify_ticket_${EMULATOR_COMPONENT_APPID}`;

const componentEnv = (emulator: Emulator) => componentEnvironment(emulator.url);

/** Every reply and log line of the suite, and every credential it saw: none may appear in the other. */
const outputs: string[] = [];
const credentials = new Set<string>([EMULATOR_COMPONENT_APPSECRET, EMULATOR_COMPONENT_TOKEN, EMULATOR_COMPONENT_AES_KEY]);

function record(result: InvokeResult): InvokeResult {
  outputs.push(JSON.stringify(result.reply ?? null), JSON.stringify(result.failed ?? null), ...result.logs);
  return result;
}

afterAll(() => {
  expect(outputs.length).toBeGreaterThan(0);
  const text = outputs.join('\n');
  for (const credential of credentials) expect(text).not.toContain(credential);
});

describe('componentEvents, end to end', () => {
  const cloud = useTestCloud({ now: NOW, env: componentEnv });
  const push = async (event: HttpAccessEvent | Record<string, unknown>) =>
    record(await cloud.invoke('componentEvents', { caller: HTTP, rawEvent: event as unknown as Record<string, unknown> }));
  const tokens = () => cloud.emulator.database.documents(TOKENS);
  const authorizers = () => cloud.emulator.database.documents(AUTHORIZERS);
  const pushLog = (result: InvokeResult) =>
    result.logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.event === 'component_push');

  /** The newest ticket, pushed and stored: what the platform needs before it can call WeChat. */
  async function storeTicket(): Promise<string> {
    const issued = cloud.emulator.component.issueTicket();
    credentials.add(issued.ticket);
    expect(replyOf(await push(issued.push))).toMatchObject({ statusCode: 200, body: 'success' });
    return issued.ticket;
  }

  function authorize(appid: string, funcs?: number[]) {
    const grant = cloud.emulator.component.authorize(appid, funcs ? { funcs } : {});
    credentials.add(grant.authorizationCode);
    const refreshToken = cloud.emulator.component.refreshToken(appid);
    if (refreshToken) credentials.add(refreshToken);
    return grant;
  }

  test('a ticket push is stored, and an older ticket pushed later does not replace it', async () => {
    const older = cloud.emulator.component.issueTicket();
    credentials.add(older.ticket);
    cloud.setNow(new Date(NOW.getTime() + 60_000));
    const newer = await storeTicket();
    expect(tokens()).toEqual([expect.objectContaining({ _id: TICKET_ID, ticket: newer, createdAt: NOW.getTime() + 60_000 })]);

    const late = await push(older.push);
    expect(replyOf(late)).toMatchObject({ statusCode: 200, body: 'success' });
    expect(tokens()).toEqual([expect.objectContaining({ _id: TICKET_ID, ticket: newer })]);
    expect(pushLog(late)).toMatchObject({ level: 'info', infoType: 'component_verify_ticket', result: 'older', status: 200, requestId: late.requestId });
  });

  test('an authorization is exchanged once and stored with its refresh token and permission sets', async () => {
    await storeTicket();
    const grant = authorize(EMULATOR_AUTHORIZER_APPID, [18, 1]);
    const result = await push(grant.push);
    expect(replyOf(result)).toEqual({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'success', isBase64Encoded: false });
    expect(authorizers()).toEqual([
      expect.objectContaining({
        _id: EMULATOR_AUTHORIZER_APPID,
        authorizerAppid: EMULATOR_AUTHORIZER_APPID,
        refreshToken: cloud.emulator.component.refreshToken(EMULATOR_AUTHORIZER_APPID),
        funcs: [18, 1],
        status: 'authorized',
        problem: null,
      }),
    ]);
    expect(cloud.emulator.countCalls({ apiName: QUERY_AUTH_API })).toBe(1);
    expect(cloud.emulator.countCalls({ apiName: COMPONENT_TOKEN_API })).toBe(1);
    credentials.add(cloud.emulator.component.currentComponentToken() ?? 'no component token');
    expect(pushLog(result)).toMatchObject({ infoType: 'authorized', authorizerAppid: EMULATOR_AUTHORIZER_APPID, result: 'stored' });
  });

  test('an authorization without permission set 18 is stored as needing a new authorization', async () => {
    await storeTicket();
    expect(replyOf(await push(authorize(EMULATOR_AUTHORIZER_APPID, [1, 2]).push))).toMatchObject({ statusCode: 200 });
    expect(authorizers()).toEqual([expect.objectContaining({ _id: EMULATOR_AUTHORIZER_APPID, funcs: [1, 2], status: 'needs_reauth', problem: 61007 })]);

    // Granting it later (updateauthorized) makes it authorized.
    const update = cloud.emulator.component.updateAuthorization(EMULATOR_AUTHORIZER_APPID, { funcs: [1, 2, 18] });
    credentials.add(update.authorizationCode);
    expect(replyOf(await push(update.push))).toMatchObject({ statusCode: 200 });
    expect(authorizers()).toEqual([expect.objectContaining({ funcs: [1, 2, 18], status: 'authorized', problem: null })]);
  });

  test('unauthorized marks a known authorizer revoked, and is acknowledged for an unknown one', async () => {
    await storeTicket();
    expect(replyOf(await push(authorize(EMULATOR_AUTHORIZER_APPID).push))).toMatchObject({ statusCode: 200 });
    const revoked = await push(cloud.emulator.component.revoke(EMULATOR_AUTHORIZER_APPID).push);
    expect(replyOf(revoked)).toMatchObject({ statusCode: 200, body: 'success' });
    expect(authorizers()).toEqual([expect.objectContaining({ _id: EMULATOR_AUTHORIZER_APPID, funcs: [18], status: 'revoked' })]);
    expect(pushLog(revoked)).toMatchObject({ infoType: 'unauthorized', authorizerAppid: EMULATOR_AUTHORIZER_APPID, result: 'stored' });

    const stranger = 'wxa000000000000002';
    authorize(stranger);
    const unknown = await push(cloud.emulator.component.revoke(stranger).push);
    expect(replyOf(unknown)).toMatchObject({ statusCode: 200, body: 'success' });
    expect(authorizers().map((document) => document._id)).toEqual([EMULATOR_AUTHORIZER_APPID]);
    expect(pushLog(unknown)).toMatchObject({ result: 'acknowledged' });
  });

  describe('refused pushes change nothing', () => {
    async function expectRefused(event: unknown, status: number) {
      const before = { tokens: tokens(), authorizers: authorizers() };
      const calls = cloud.emulator.calls.length;
      const result = await push(event as Record<string, unknown>);
      expect(replyOf(result)).toMatchObject({ statusCode: status });
      expect({ tokens: tokens(), authorizers: authorizers() }).toEqual(before);
      expect(cloud.emulator.calls).toHaveLength(calls);
      expect(pushLog(result)).toMatchObject({ result: 'refused', status });
    }

    test('a signature that does not match: 401', async () => {
      await storeTicket();
      const { push: event } = authorize(EMULATOR_AUTHORIZER_APPID);
      await expectRefused({ ...event, queryStringParameters: { ...event.queryStringParameters, msg_signature: '0'.repeat(40) } }, 401);
      const forged = cloud.emulator.component.issueTicket();
      credentials.add(forged.ticket);
      await expectRefused({ ...forged.push, queryStringParameters: { ...forged.push.queryStringParameters, nonce: '12345' } }, 401);
    });

    test('a push for another third-party platform: 403', async () => {
      await storeTicket();
      const other = 'wx0c0000000000beef';
      const { push: event } = cloud.emulator.component.issueTicket();
      await expectRefused({ ...event, body: event.body.replace(EMULATOR_COMPONENT_APPID, other) }, 403);

      // Encrypted for another appid with the same key and token (a platform sharing them by mistake).
      const message = `<xml><AppId><![CDATA[${other}]]></AppId><CreateTime>${NOW.getTime() / 1000}</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[ticket@@@other]]></ComponentVerifyTicket></xml>`;
      const encrypt = encryptMessage(message, EMULATOR_COMPONENT_AES_KEY, other);
      const query = { ...event.queryStringParameters, msg_signature: signMessage(EMULATOR_COMPONENT_TOKEN, event.queryStringParameters.timestamp ?? '', event.queryStringParameters.nonce ?? '', encrypt) };
      await expectRefused({ ...event, queryStringParameters: query, body: `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>` }, 403);
    });

    test('garbage: 400', async () => {
      const { push: event } = cloud.emulator.component.issueTicket();
      await expectRefused({ ...event, body: 'not xml at all' }, 400);
      // Signed, but not a ciphertext: the signature is checked first, then decryption fails.
      const { timestamp = '', nonce = '' } = event.queryStringParameters;
      const signed = { ...event.queryStringParameters, msg_signature: signMessage(EMULATOR_COMPONENT_TOKEN, timestamp, nonce, 'bm90IGEgY2lwaGVydGV4dA==') };
      await expectRefused({ ...event, queryStringParameters: signed, body: '<xml><Encrypt>bm90IGEgY2lwaGVydGV4dA==</Encrypt></xml>' }, 400);
      await expectRefused({ hello: 'world' }, 400);
      await expectRefused({ ...event, httpMethod: 'GET' }, 405);
    });
  });

  test('the same authorization pushed again (WeChat retries a slow reply) is acknowledged, not failed for ever', async () => {
    await storeTicket();
    const grant = authorize(EMULATOR_AUTHORIZER_APPID);
    expect(replyOf(await push(grant.push))).toMatchObject({ statusCode: 200, body: 'success' });
    const again = await push(grant.push);
    expect(replyOf(again)).toMatchObject({ statusCode: 200, body: 'success' });
    expect(pushLog(again)).toMatchObject({ result: 'acknowledged' });
    expect(authorizers()).toEqual([expect.objectContaining({ authorizerAppid: EMULATOR_AUTHORIZER_APPID, status: 'authorized' })]);
  });

  test('WeChat failing api_query_auth: 5xx and nothing stored, so that WeChat pushes again', async () => {
    await storeTicket();
    cloud.emulator.faults.failNext(QUERY_AUTH_API, -1);
    const grant = authorize(EMULATOR_AUTHORIZER_APPID);
    const failed = await push(grant.push);
    expect(replyOf(failed).statusCode).toBeGreaterThanOrEqual(500);
    expect(authorizers()).toEqual([]);
    expect(pushLog(failed)).toMatchObject({ level: 'error', infoType: 'authorized', authorizerAppid: EMULATOR_AUTHORIZER_APPID, result: 'failed' });

    // WeChat's next attempt of the same push is stored.
    expect(replyOf(await push(grant.push))).toMatchObject({ statusCode: 200, body: 'success' });
    expect(authorizers()).toEqual([expect.objectContaining({ _id: EMULATOR_AUTHORIZER_APPID, status: 'authorized' })]);
  });

  describe('pushes that arrive out of order: the stored state follows their CreateTime', () => {
    /** `seconds` after NOW: the clock at which the emulator makes a push (its CreateTime). */
    const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
    const createTime = (seconds: number) => Math.floor(at(seconds).getTime() / 1000);
    /** api_query_auth calls (a component token cached by the warm instance before a reset adds a stale call). */
    const exchanges = () => cloud.emulator.countCalls({ apiName: QUERY_AUTH_API });

    test('unauthorized (t=200), then the authorized of t=100 pushed again: still revoked, its code not exchanged', async () => {
      await storeTicket();
      cloud.setNow(at(100));
      const grant = authorize(EMULATOR_AUTHORIZER_APPID);
      // Stored, but WeChat did not get the reply in time: it pushes the same message again later.
      expect(replyOf(await push(grant.push))).toMatchObject({ statusCode: 200, body: 'success' });
      cloud.setNow(at(200));
      expect(replyOf(await push(cloud.emulator.component.revoke(EMULATOR_AUTHORIZER_APPID).push))).toMatchObject({ statusCode: 200, body: 'success' });
      const exchanged = exchanges();
      expect(exchanged).toBeGreaterThan(0);

      const late = await push(grant.push);
      expect(replyOf(late)).toMatchObject({ statusCode: 200, body: 'success' });
      expect(pushLog(late)).toMatchObject({ level: 'info', infoType: 'authorized', authorizerAppid: EMULATOR_AUTHORIZER_APPID, result: 'older', status: 200 });
      expect(pushLog(late)?.detail).toContain('older');
      expect(exchanges()).toBe(exchanged);
      expect(authorizers()).toEqual([expect.objectContaining({ _id: EMULATOR_AUTHORIZER_APPID, status: 'revoked', eventCreateTime: createTime(200) })]);
    });

    test('the ticket of t=200, then the ticket of t=100: the newer stays', async () => {
      cloud.setNow(at(100));
      const older = cloud.emulator.component.issueTicket();
      credentials.add(older.ticket);
      cloud.setNow(at(200));
      const newer = await storeTicket();

      const late = await push(older.push);
      expect(replyOf(late)).toMatchObject({ statusCode: 200, body: 'success' });
      expect(pushLog(late)).toMatchObject({ level: 'info', infoType: 'component_verify_ticket', result: 'older' });
      expect(tokens()).toEqual([expect.objectContaining({ _id: TICKET_ID, ticket: newer, createdAt: createTime(200) * 1000 })]);
    });

    test('authorized (t=100), unauthorized (t=200), authorized (t=300): authorised again with the new refresh token', async () => {
      await storeTicket();
      cloud.setNow(at(100));
      expect(replyOf(await push(authorize(EMULATOR_AUTHORIZER_APPID).push))).toMatchObject({ statusCode: 200, body: 'success' });
      expect(authorizers()).toEqual([expect.objectContaining({ status: 'authorized', eventCreateTime: createTime(100) })]);
      cloud.setNow(at(200));
      expect(replyOf(await push(cloud.emulator.component.revoke(EMULATOR_AUTHORIZER_APPID).push))).toMatchObject({ statusCode: 200, body: 'success' });
      expect(authorizers()).toEqual([expect.objectContaining({ status: 'revoked', eventCreateTime: createTime(200) })]);

      cloud.setNow(at(300));
      const exchanged = exchanges();
      const again = await push(authorize(EMULATOR_AUTHORIZER_APPID).push);
      expect(replyOf(again)).toMatchObject({ statusCode: 200, body: 'success' });
      expect(pushLog(again)).toMatchObject({ result: 'stored' });
      expect(exchanges()).toBe(exchanged + 1);
      expect(authorizers()).toEqual([
        expect.objectContaining({
          _id: EMULATOR_AUTHORIZER_APPID,
          refreshToken: cloud.emulator.component.refreshToken(EMULATOR_AUTHORIZER_APPID),
          status: 'authorized',
          problem: null,
          eventCreateTime: createTime(300),
        }),
      ]);
    });

    test('an authorizer stored before pushes were ordered (no eventCreateTime) counts as oldest', async () => {
      await storeTicket();
      const grant = authorize(EMULATOR_AUTHORIZER_APPID);
      putDocument(cloud, AUTHORIZERS, {
        _id: EMULATOR_AUTHORIZER_APPID,
        kind: 'authorizer',
        authorizerAppid: EMULATOR_AUTHORIZER_APPID,
        refreshToken: 'refreshtoken@@@stored-before',
        funcs: [18],
        status: 'revoked',
        problem: null,
        updatedAt: at(600).getTime(),
      });
      expect(replyOf(await push(grant.push))).toMatchObject({ statusCode: 200, body: 'success' });
      expect(authorizers()).toEqual([
        expect.objectContaining({ refreshToken: cloud.emulator.component.refreshToken(EMULATOR_AUTHORIZER_APPID), status: 'authorized', eventCreateTime: createTime(0) }),
      ]);
    });

    test('tickets pushed at once to separate instances: the newest is kept', async () => {
      const issued = [300, 100, 400, 200].map((seconds) => {
        cloud.setNow(at(seconds));
        const ticket = cloud.emulator.component.issueTicket();
        credentials.add(ticket.ticket);
        return ticket;
      });
      const results = await Promise.all(
        issued.map(async (ticket) => record(await cloud.invokeCold('componentEvents', { caller: HTTP, rawEvent: ticket.push as unknown as Record<string, unknown> }))),
      );
      for (const result of results) expect(replyOf(result)).toMatchObject({ statusCode: 200, body: 'success' });
      expect(tokens()).toEqual([expect.objectContaining({ _id: TICKET_ID, ticket: issued[2]?.ticket, createdAt: createTime(400) * 1000 })]);
    });
  });

  test('a push with no time left in the invocation to store it: 5xx, nothing stored', async () => {
    const issued = cloud.emulator.component.issueTicket();
    credentials.add(issued.ticket);
    // A 300 ms limit leaves nothing once the reply margin is kept back.
    const result = record(await cloud.invoke('componentEvents', { caller: HTTP, rawEvent: issued.push as unknown as Record<string, unknown>, timeoutMs: 300 }));
    expect(replyOf(result).statusCode).toBeGreaterThanOrEqual(500);
    expect(tokens()).toEqual([]);
  });
});

describe('componentEvents outside the third-party mode', () => {
  test('answers 500 naming WECHAT_TRANSPORT, and logs why', async () => {
    const cloud = await startTestCloud({ now: NOW });
    try {
      const { push: event } = cloud.emulator.component.issueTicket();
      const result = record(await cloud.invoke('componentEvents', { caller: HTTP, rawEvent: event as unknown as Record<string, unknown> }));
      const reply = replyOf(result);
      expect(reply.statusCode).toBe(500);
      expect(reply.body).toContain('WECHAT_TRANSPORT');
      expect(result.logs.join('\n')).toContain('WECHAT_TRANSPORT must be component');
      expect(cloud.emulator.database.documents(TOKENS)).toEqual([]);
    } finally {
      await cloud.close();
    }
  });
});
