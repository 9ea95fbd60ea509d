import { parseComponentEvent, parseEnvelope } from '../../src/open-platform/events/events';

const COMPONENT = 'wx134c8103faa5a59e';

// Decrypted examples as WeChat's pages show them (验证票据, 授权变更通知推送), with values filled in.
const TICKET = `<xml>
<AppId><![CDATA[${COMPONENT}]]></AppId>
<CreateTime>1413192605</CreateTime>
<InfoType><![CDATA[component_verify_ticket]]></InfoType>
<ComponentVerifyTicket><![CDATA[ticket@@@abc-DEF_123]]></ComponentVerifyTicket>
</xml>`;
const authorization = (infoType: string) => `<xml>
<AppId><![CDATA[${COMPONENT}]]></AppId>
<CreateTime>1413192760</CreateTime>
<InfoType><![CDATA[${infoType}]]></InfoType>
<AuthorizerAppid><![CDATA[wxf8b4f85f3a794e77]]></AuthorizerAppid>
<AuthorizationCode><![CDATA[queryauthcode@@@xyz]]></AuthorizationCode>
<AuthorizationCodeExpiredTime>1413196360</AuthorizationCodeExpiredTime>
<PreAuthCode><![CDATA[preauthcode@@@pqr]]></PreAuthCode>
</xml>`;
const UNAUTHORIZED = `<xml><AppId>${COMPONENT}</AppId><CreateTime>1413192760</CreateTime><InfoType>unauthorized</InfoType><AuthorizerAppid>wxf8b4f85f3a794e77</AuthorizerAppid></xml>`;

describe('parseComponentEvent', () => {
  test('component_verify_ticket', () => {
    expect(parseComponentEvent(TICKET)).toEqual({
      ok: true,
      event: { kind: 'component_verify_ticket', componentAppid: COMPONENT, createTime: 1413192605, ticket: 'ticket@@@abc-DEF_123' },
    });
  });

  test.each(['authorized', 'updateauthorized'] as const)('%s', (kind) => {
    expect(parseComponentEvent(authorization(kind))).toEqual({
      ok: true,
      event: {
        kind,
        componentAppid: COMPONENT,
        createTime: 1413192760,
        authorizerAppid: 'wxf8b4f85f3a794e77',
        authorizationCode: 'queryauthcode@@@xyz',
        authorizationCodeExpiredTime: 1413196360,
        preAuthCode: 'preauthcode@@@pqr',
      },
    });
  });

  test('authorized without PreAuthCode: preAuthCode is null', () => {
    const xml = authorization('authorized').replace(/<PreAuthCode>.*<\/PreAuthCode>\n/, '');
    expect(parseComponentEvent(xml)).toMatchObject({ ok: true, event: { kind: 'authorized', preAuthCode: null } });
  });

  test('unauthorized (plain text, no CDATA)', () => {
    expect(parseComponentEvent(UNAUTHORIZED)).toEqual({
      ok: true,
      event: { kind: 'unauthorized', componentAppid: COMPONENT, createTime: 1413192760, authorizerAppid: 'wxf8b4f85f3a794e77' },
    });
  });

  test('another InfoType is other, with its nested fields ignored', () => {
    const xml = `<xml><AppId>${COMPONENT}</AppId><CreateTime>1535442403</CreateTime><InfoType>notify_third_fasteregister</InfoType><appid>wxa</appid><status>0</status><info><name>x</name></info></xml>`;
    expect(parseComponentEvent(xml)).toEqual({
      ok: true,
      event: { kind: 'other', componentAppid: COMPONENT, createTime: 1535442403, infoType: 'notify_third_fasteregister' },
    });
  });

  test('values stay strings: a numeric-looking ticket is not turned into a number', () => {
    const xml = TICKET.replace('ticket@@@abc-DEF_123', '00012345678901234567890');
    expect(parseComponentEvent(xml)).toMatchObject({ ok: true, event: { ticket: '00012345678901234567890' } });
  });

  test('the five XML entities are read; a declaration is allowed', () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?>${TICKET.replace('<![CDATA[ticket@@@abc-DEF_123]]>', 'a&amp;b&lt;c')}`;
    expect(parseComponentEvent(xml)).toMatchObject({ ok: true, event: { ticket: 'a&b<c' } });
  });

  test.each([
    ['not XML', 'hello'],
    ['empty', ''],
    ['unclosed', '<xml><AppId>wx</AppId>'],
    ['another root', TICKET.replace(/xml>/g, 'root>').replace('<xml>', '<root>')],
    ['two roots', `${TICKET}${TICKET}`],
    ['a DOCTYPE (entity expansion)', `<!DOCTYPE xml [<!ENTITY a "aaaa">]>${TICKET.replace('ticket@@@abc-DEF_123', '&a;')}`],
    ['no AppId', TICKET.replace(/<AppId>.*<\/AppId>\n/, '')],
    ['no CreateTime', TICKET.replace(/<CreateTime>.*<\/CreateTime>\n/, '')],
    ['CreateTime not seconds', TICKET.replace('1413192605', '2014-10-13')],
    ['no InfoType', TICKET.replace(/<InfoType>.*<\/InfoType>\n/, '')],
    ['no ticket', TICKET.replace(/<ComponentVerifyTicket>.*<\/ComponentVerifyTicket>\n/, '')],
    ['an empty ticket', TICKET.replace('<![CDATA[ticket@@@abc-DEF_123]]>', '')],
    ['two tickets', TICKET.replace('</xml>', '<ComponentVerifyTicket>t2</ComponentVerifyTicket></xml>')],
    ['a ticket with children', TICKET.replace('<![CDATA[ticket@@@abc-DEF_123]]>', '<a>1</a>')],
    ['authorized without AuthorizationCode', authorization('authorized').replace(/<AuthorizationCode>.*<\/AuthorizationCode>\n/, '')],
    ['authorized without AuthorizerAppid', authorization('authorized').replace(/<AuthorizerAppid>.*<\/AuthorizerAppid>\n/, '')],
    ['authorized with a bad expiry', authorization('authorized').replace('1413196360', 'soon')],
    ['unauthorized without AuthorizerAppid', UNAUTHORIZED.replace(/<AuthorizerAppid>.*<\/AuthorizerAppid>/, '')],
  ])('refused: %s', (_name, xml) => {
    expect(parseComponentEvent(xml)).toEqual({ ok: false, reason: expect.any(String) });
  });

  test('a refusal names the field, never the ticket', () => {
    const result = parseComponentEvent(TICKET.replace('</xml>', '<ComponentVerifyTicket>t2</ComponentVerifyTicket></xml>'));
    expect(result).toEqual({ ok: false, reason: 'ComponentVerifyTicket is not a single text element' });
  });
});

describe('parseEnvelope', () => {
  test('the authorization-event envelope: AppId and Encrypt', () => {
    const xml = `<xml>\n    <AppId><![CDATA[${COMPONENT}]]></AppId>\n    <Encrypt><![CDATA[tGwC+/8w==]]></Encrypt>\n</xml>`;
    expect(parseEnvelope(xml)).toEqual({ ok: true, appId: COMPONENT, encrypt: 'tGwC+/8w==' });
  });

  test('the message-event envelope: ToUserName instead of AppId', () => {
    const xml = '<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName><Encrypt><![CDATA[D7yz]]></Encrypt></xml>';
    expect(parseEnvelope(xml)).toEqual({ ok: true, encrypt: 'D7yz' });
  });

  test.each([
    ['no Encrypt', `<xml><AppId>${COMPONENT}</AppId></xml>`],
    ['an empty Encrypt', `<xml><AppId>${COMPONENT}</AppId><Encrypt></Encrypt></xml>`],
    ['two Encrypt', '<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>'],
    ['an empty AppId', '<xml><AppId></AppId><Encrypt>a</Encrypt></xml>'],
    ['not XML', 'Encrypt=abc'],
    ['JSON', '{"Encrypt":"abc"}'],
  ])('refused: %s', (_name, xml) => {
    expect(parseEnvelope(xml)).toEqual({ ok: false, reason: expect.any(String) });
  });
});
