import { MAX_BODY_BYTES, parseHttpEvent, refusalReply, successReply } from '../../src/open-platform/events/http-event';

const QUERY = {
  timestamp: '1715943329',
  nonce: '1590219412',
  encrypt_type: 'aes',
  msg_signature: '6c12a4205838198b8fa631b3220723bb07f1015c',
  signature: 'cc0c594499c1634947d5b502f158ee518947db27',
};
const BODY = '<xml><AppId><![CDATA[wx134c8103faa5a59e]]></AppId><Encrypt><![CDATA[abcd]]></Encrypt></xml>';

function httpEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    path: '/component/events',
    httpMethod: 'POST',
    headers: { 'content-type': 'text/xml' },
    queryStringParameters: { ...QUERY },
    body: BODY,
    isBase64Encoded: false,
    ...overrides,
  };
}

describe('parseHttpEvent', () => {
  test('a plain-text push', () => {
    expect(parseHttpEvent(httpEvent())).toEqual({ ok: true, request: { method: 'POST', query: QUERY, body: BODY } });
  });

  test('a base64 body is decoded (UTF-8)', () => {
    const body = `${BODY}<!-- 中文 -->`;
    const result = parseHttpEvent(httpEvent({ body: Buffer.from(body, 'utf8').toString('base64'), isBase64Encoded: true }));
    expect(result).toMatchObject({ ok: true, request: { body } });
  });

  test('signature is optional; its absence is not an error, upper-case hex is lowered', () => {
    const { signature: _signature, ...query } = QUERY;
    const result = parseHttpEvent(httpEvent({ queryStringParameters: { ...query, msg_signature: QUERY.msg_signature.toUpperCase() } }));
    expect(result).toEqual({ ok: true, request: { method: 'POST', query, body: BODY } });
  });

  test('method names are case-insensitive; anything but POST is 405', () => {
    expect(parseHttpEvent(httpEvent({ httpMethod: 'post' }))).toMatchObject({ ok: true });
    expect(parseHttpEvent(httpEvent({ httpMethod: 'GET' }))).toEqual({ ok: false, status: 405, reason: 'only POST is accepted' });
  });

  test.each([
    ['not an object', 'POST /'],
    ['null', null],
    ['no method', httpEvent({ httpMethod: undefined })],
    ['no query string', httpEvent({ queryStringParameters: null })],
    ['query as an array', httpEvent({ queryStringParameters: [] })],
    ['no timestamp', httpEvent({ queryStringParameters: { ...QUERY, timestamp: undefined } })],
    ['timestamp not digits', httpEvent({ queryStringParameters: { ...QUERY, timestamp: '1715943329.5' } })],
    ['no nonce', httpEvent({ queryStringParameters: { ...QUERY, nonce: '' } })],
    ['nonce with spaces', httpEvent({ queryStringParameters: { ...QUERY, nonce: 'a b' } })],
    ['msg_signature not 40 hex digits', httpEvent({ queryStringParameters: { ...QUERY, msg_signature: 'xyz' } })],
    ['msg_signature as an array', httpEvent({ queryStringParameters: { ...QUERY, msg_signature: [QUERY.msg_signature] } })],
    ['encrypt_type raw', httpEvent({ queryStringParameters: { ...QUERY, encrypt_type: 'raw' } })],
    ['no encrypt_type', httpEvent({ queryStringParameters: { ...QUERY, encrypt_type: undefined } })],
    ['malformed signature', httpEvent({ queryStringParameters: { ...QUERY, signature: 'nope' } })],
    ['no body', httpEvent({ body: undefined })],
    ['a body that is not a string', httpEvent({ body: { xml: {} } })],
    ['an empty body', httpEvent({ body: '   ' })],
    ['isBase64Encoded as a string', httpEvent({ isBase64Encoded: 'true' })],
    ['invalid base64', httpEvent({ body: 'PHhtbD4*', isBase64Encoded: true })],
    ['base64 with a bad length', httpEvent({ body: 'PHhtbD4', isBase64Encoded: true })],
  ])('400: %s', (_name, event) => {
    expect(parseHttpEvent(event)).toEqual({ ok: false, status: 400, reason: expect.any(String) });
  });

  test('bodies over 64 KiB are 413, plain or base64, before decoding', () => {
    const big = `<xml>${'x'.repeat(MAX_BODY_BYTES)}</xml>`;
    expect(parseHttpEvent(httpEvent({ body: big }))).toMatchObject({ ok: false, status: 413 });
    expect(parseHttpEvent(httpEvent({ body: Buffer.from(big).toString('base64'), isBase64Encoded: true }))).toMatchObject({ ok: false, status: 413 });
    expect(parseHttpEvent(httpEvent({ body: 'A'.repeat(50 * 1024 * 1024), isBase64Encoded: true }))).toMatchObject({ ok: false, status: 413 });
    // Multi-byte characters count in bytes.
    expect(parseHttpEvent(httpEvent({ body: '中'.repeat(MAX_BODY_BYTES / 3 + 1) }))).toMatchObject({ ok: false, status: 413 });
  });

  test('exactly 64 KiB is accepted', () => {
    const body = `<xml>${'x'.repeat(MAX_BODY_BYTES - 11)}</xml>`;
    expect(Buffer.byteLength(body)).toBe(MAX_BODY_BYTES);
    expect(parseHttpEvent(httpEvent({ body }))).toMatchObject({ ok: true });
    expect(parseHttpEvent(httpEvent({ body: Buffer.from(body).toString('base64'), isBase64Encoded: true }))).toMatchObject({ ok: true });
  });

  test('reasons are short and do not echo the request', () => {
    const result = parseHttpEvent(httpEvent({ queryStringParameters: { ...QUERY, nonce: 'secret value' } }));
    expect(result).toEqual({ ok: false, status: 400, reason: 'query parameter nonce is malformed' });
  });
});

describe('replies', () => {
  test('success is 200 and the plain text success', () => {
    expect(successReply()).toEqual({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'success', isBase64Encoded: false });
  });
  test('a refusal carries its status and reason', () => {
    expect(refusalReply({ status: 401, reason: 'msg_signature does not match' })).toEqual({
      statusCode: 401,
      headers: { 'content-type': 'text/plain' },
      body: 'msg_signature does not match',
      isBase64Encoded: false,
    });
  });
});
