import { createCipheriv, createHash, randomBytes } from 'crypto';
import { openComponentPush } from '../../src/open-platform/events/handle';
import { refusalReply, successReply } from '../../src/open-platform/events/http-event';

// WeChat's side, written with Node's crypto only (no product code): encrypt, sign, wrap in the
// envelope and in a CloudBase HTTP access service event.
const COMPONENT = 'wx134c8103faa5a59e';
const TOKEN = 'component-token-Secret1';
const KEY = 'Zk9mVjR1c2VjcmV0a2V5Zm9yY29tcG9uZW50dGVzdDA';
const NOW = new Date('2026-11-29T12:00:00Z');
const TIMESTAMP = String(Math.floor(NOW.getTime() / 1000));

function encrypt(message: string, receiveId = COMPONENT, key = KEY): string {
  const aesKey = Buffer.from(`${key}=`, 'base64');
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length, 0);
  let plain = Buffer.concat([randomBytes(16), length, body, Buffer.from(receiveId)]);
  const pad = 32 - (plain.length % 32);
  plain = Buffer.concat([plain, Buffer.alloc(pad, pad)]);
  const cipher = createCipheriv('aes-256-cbc', aesKey, aesKey.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

interface PushOptions {
  receiveId?: string;
  outerAppId?: string | null;
  timestamp?: string;
  nonce?: string;
  token?: string;
  key?: string;
  encrypted?: string;
  base64?: boolean;
}

function push(message: string, options: PushOptions = {}): Record<string, unknown> {
  const timestamp = options.timestamp ?? TIMESTAMP;
  const nonce = options.nonce ?? '1590219412';
  const encrypted = options.encrypted ?? encrypt(message, options.receiveId, options.key);
  const signature = createHash('sha1')
    .update([options.token ?? TOKEN, timestamp, nonce, encrypted].sort().join(''))
    .digest('hex');
  const appId = options.outerAppId === null ? '' : `<AppId><![CDATA[${options.outerAppId ?? COMPONENT}]]></AppId>`;
  const body = `<xml>${appId}<Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`;
  return {
    path: '/componentEvents',
    httpMethod: 'POST',
    headers: { 'content-type': 'text/xml' },
    queryStringParameters: { timestamp, nonce, encrypt_type: 'aes', msg_signature: signature, signature: 'cc0c594499c1634947d5b502f158ee518947db27' },
    body: options.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: options.base64 === true,
  };
}

const SETTINGS = { componentAppid: COMPONENT, token: TOKEN, encodingAesKey: KEY, now: NOW };
const TICKET_VALUE = 'ticket@@@SECRET-ticket-value';
const TICKET = `<xml><AppId><![CDATA[${COMPONENT}]]></AppId><CreateTime>${TIMESTAMP}</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[${TICKET_VALUE}]]></ComponentVerifyTicket></xml>`;
const AUTHORIZED = (infoType: string) =>
  `<xml><AppId>${COMPONENT}</AppId><CreateTime>${TIMESTAMP}</CreateTime><InfoType>${infoType}</InfoType><AuthorizerAppid>wxf8b4f85f3a794e77</AuthorizerAppid><AuthorizationCode>queryauthcode@@@c</AuthorizationCode><AuthorizationCodeExpiredTime>${Number(TIMESTAMP) + 3600}</AuthorizationCodeExpiredTime><PreAuthCode>preauthcode@@@p</PreAuthCode></xml>`;
const UNAUTHORIZED = `<xml><AppId>${COMPONENT}</AppId><CreateTime>${TIMESTAMP}</CreateTime><InfoType>unauthorized</InfoType><AuthorizerAppid>wxf8b4f85f3a794e77</AuthorizerAppid></xml>`;

describe('openComponentPush: round trips', () => {
  test('component_verify_ticket', () => {
    expect(openComponentPush(push(TICKET), SETTINGS)).toEqual({
      ok: true,
      message: { kind: 'component_verify_ticket', componentAppid: COMPONENT, createTime: Number(TIMESTAMP), ticket: TICKET_VALUE },
    });
  });

  test.each(['authorized', 'updateauthorized'] as const)('%s', (kind) => {
    expect(openComponentPush(push(AUTHORIZED(kind)), SETTINGS)).toEqual({
      ok: true,
      message: {
        kind,
        componentAppid: COMPONENT,
        createTime: Number(TIMESTAMP),
        authorizerAppid: 'wxf8b4f85f3a794e77',
        authorizationCode: 'queryauthcode@@@c',
        authorizationCodeExpiredTime: Number(TIMESTAMP) + 3600,
        preAuthCode: 'preauthcode@@@p',
      },
    });
  });

  test('unauthorized', () => {
    expect(openComponentPush(push(UNAUTHORIZED), SETTINGS)).toMatchObject({ ok: true, message: { kind: 'unauthorized', authorizerAppid: 'wxf8b4f85f3a794e77' } });
  });

  test('another InfoType', () => {
    const xml = `<xml><AppId>${COMPONENT}</AppId><CreateTime>${TIMESTAMP}</CreateTime><InfoType>notify_third_fasteregister</InfoType></xml>`;
    expect(openComponentPush(push(xml), SETTINGS)).toMatchObject({ ok: true, message: { kind: 'other', infoType: 'notify_third_fasteregister' } });
  });

  test('a base64 body', () => {
    expect(openComponentPush(push(TICKET, { base64: true }), SETTINGS)).toMatchObject({ ok: true, message: { kind: 'component_verify_ticket' } });
  });

  test('an envelope without AppId (ToUserName style): the appid inside decides', () => {
    expect(openComponentPush(push(TICKET, { outerAppId: null }), SETTINGS)).toMatchObject({ ok: true });
  });
});

describe("openComponentPush: WeChat's published third-party example", () => {
  // Open Platform, 消息推送 ("debug_demo"): a correctly signed and encrypted message for this platform,
  // but a message event (no InfoType), which the authorization-event URL does not take.
  const event = {
    httpMethod: 'POST',
    queryStringParameters: {
      signature: 'cc0c594499c1634947d5b502f158ee518947db27',
      timestamp: '1715943329',
      nonce: '1590219412',
      openid: 'o9AgO5Kd5ggOC-bXrbNODIiE3bGY',
      encrypt_type: 'aes',
      msg_signature: '6c12a4205838198b8fa631b3220723bb07f1015c',
    },
    body: '<xml>\n    <ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n    <Encrypt><![CDATA[D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg==]]></Encrypt>\n</xml>',
    isBase64Encoded: false,
  };
  const settings = { componentAppid: 'wx134c8103faa5a59e', token: 'AAAAA', encodingAesKey: 'A'.repeat(43), now: new Date(1715943329_000 + 60_000) };

  test('signature, freshness and appid pass; the message is refused for its shape (400)', () => {
    expect(openComponentPush(event, settings)).toEqual({ ok: false, status: 400, reason: 'message: AppId is missing' });
  });
  test('with another token it is 401; for another platform it is 403; an hour later it is 401', () => {
    expect(openComponentPush(event, { ...settings, token: 'AAAAB' })).toMatchObject({ ok: false, status: 401 });
    expect(openComponentPush(event, { ...settings, componentAppid: 'wx0000000000000000' })).toMatchObject({ ok: false, status: 403 });
    expect(openComponentPush(event, { ...settings, now: new Date(1715943329_000 + 3_600_000) })).toEqual({
      ok: false,
      status: 401,
      reason: 'timestamp outside the replay window',
    });
  });
});

describe('openComponentPush: refusals', () => {
  test('a tampered signature: 401', () => {
    const event = push(TICKET);
    const query = event.queryStringParameters as Record<string, string>;
    const signature = String(query.msg_signature);
    query.msg_signature = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
    expect(openComponentPush(event, SETTINGS)).toEqual({ ok: false, status: 401, reason: 'msg_signature does not match' });
  });

  test('signed with another token: 401', () => {
    expect(openComponentPush(push(TICKET, { token: 'another-token' }), SETTINGS)).toMatchObject({ ok: false, status: 401 });
  });

  test('a tampered Encrypt (signature no longer matches): 401, nothing decrypted', () => {
    const event = push(TICKET);
    event.body = String(event.body).replace(/<Encrypt><!\[CDATA\[(.)/, (_match, first: string) => `<Encrypt><![CDATA[${first === 'A' ? 'B' : 'A'}`);
    expect(openComponentPush(event, SETTINGS)).toMatchObject({ ok: false, status: 401 });
  });

  test.each([
    ['16 minutes old', -16 * 60],
    ['6 minutes ahead', 6 * 60],
  ])('a timestamp %s: 401', (_name, offset) => {
    expect(openComponentPush(push(TICKET, { timestamp: String(Number(TIMESTAMP) + offset) }), SETTINGS)).toEqual({
      ok: false,
      status: 401,
      reason: 'timestamp outside the replay window',
    });
  });

  test('14 minutes old (a retry, a cold start): accepted', () => {
    expect(openComponentPush(push(TICKET, { timestamp: String(Number(TIMESTAMP) - 14 * 60) }), SETTINGS)).toMatchObject({ ok: true });
  });

  test('another platform in the outer AppId: 403', () => {
    expect(openComponentPush(push(TICKET, { outerAppId: 'wx0000000000000000' }), SETTINGS)).toEqual({
      ok: false,
      status: 403,
      reason: 'the push is for another third-party platform',
    });
  });

  test('another platform after the message (receive id): 403', () => {
    expect(openComponentPush(push(TICKET, { receiveId: 'wx0000000000000000' }), SETTINGS)).toEqual({
      ok: false,
      status: 403,
      reason: 'the message is for another third-party platform',
    });
  });

  test("another platform in the message's AppId: 403", () => {
    expect(openComponentPush(push(TICKET.replace(`<![CDATA[${COMPONENT}]]>`, 'wx0000000000000000')), SETTINGS)).toMatchObject({ ok: false, status: 403 });
  });

  test('encrypted with another key (correctly signed): 400 or 403, never ok', () => {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const result = openComponentPush(push(TICKET, { key: 'B'.repeat(43) }), SETTINGS);
      expect(result.ok).toBe(false);
      if (!result.ok) expect([400, 403]).toContain(result.status);
    }
  });

  test.each([
    ['garbage Encrypt', 'this is not base64!'],
    ['truncated Encrypt', encrypt(TICKET).slice(0, 40)],
    ['random blocks', randomBytes(96).toString('base64')],
  ])('%s, correctly signed: refused (400; noise that happens to pad may end as 403)', (name, encrypted) => {
    const result = openComponentPush(push(TICKET, { encrypted }), SETTINGS);
    expect(result).toMatchObject({ ok: false });
    if (!result.ok) expect([400, 403]).toContain(result.status);
    if (name !== 'random blocks') expect(result).toMatchObject({ status: 400 });
  });

  test('a decrypted message that is not an event: 400', () => {
    expect(openComponentPush(push('<xml><Hello>1</Hello></xml>'), SETTINGS)).toMatchObject({ ok: false, status: 400 });
    expect(openComponentPush(push('not xml'), SETTINGS)).toMatchObject({ ok: false, status: 400 });
  });

  test('a malformed envelope: 400', () => {
    const event = push(TICKET);
    event.body = '<xml><AppId>wx</AppId></xml>';
    expect(openComponentPush(event, SETTINGS)).toEqual({ ok: false, status: 400, reason: 'envelope: Encrypt is missing' });
  });

  test('GET: 405; a huge body: 413', () => {
    expect(openComponentPush({ ...push(TICKET), httpMethod: 'GET' }, SETTINGS)).toMatchObject({ ok: false, status: 405 });
    expect(openComponentPush({ ...push(TICKET), body: `<xml>${'x'.repeat(70_000)}</xml>` }, SETTINGS)).toMatchObject({ ok: false, status: 413 });
  });

  test('no reason or reply ever holds the token, the key or the ticket', () => {
    const events = [
      push(TICKET, { token: 'x' }),
      push(TICKET, { receiveId: 'wx0000000000000000' }),
      push(TICKET, { key: 'B'.repeat(43) }),
      push(TICKET.replace('</xml>', '<ComponentVerifyTicket>again</ComponentVerifyTicket></xml>')),
      push(TICKET, { timestamp: '1' }),
      push(TICKET, { encrypted: 'abc' }),
    ];
    for (const event of events) {
      const result = openComponentPush(event, SETTINGS);
      expect(result.ok).toBe(false);
      const text = JSON.stringify(result.ok ? result : refusalReply(result));
      for (const secret of [TOKEN, KEY, TICKET_VALUE, Buffer.from(`${KEY}=`, 'base64').toString('hex')]) expect(text).not.toContain(secret);
    }
  });
});

describe('openComponentPush: settings', () => {
  test.each([
    ['a component appid that is not one', { componentAppid: 'component' }],
    ['an empty token', { token: ' ' }],
    ['a short EncodingAESKey', { encodingAesKey: KEY.slice(0, 42) }],
  ])('%s is a configuration error that echoes no secret', (_name, change) => {
    let thrown: unknown;
    try {
      openComponentPush(push(TICKET), { ...SETTINGS, ...change });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'CONFIGURATION_ERROR' });
    expect((thrown as Error).message).not.toContain(KEY.slice(0, 42));
    expect((thrown as Error).message).not.toContain(TOKEN);
  });

  test('success is answered with the plain text success', () => {
    expect(successReply().body).toBe('success');
  });
});
