import { diffTimers, timerCron } from '../../scripts/deploy/triggers';
import { NOT_SHOWN, REDACTED, displayCarriedValue, displayValue, formatVariableChanges, isSecretName, mergeVariables } from '../../scripts/deploy/variables';

describe('mergeVariables', () => {
  const current = [
    { Key: 'ANALYTICS_ADMIN_OPENIDS', Value: 'oOld' },
    { Key: 'SET_IN_CONSOLE', Value: 'console value' },
    { Key: 'OBSOLETE', Value: 'x' },
  ];

  it('lays the declared values over the current ones and keeps what is not declared', () => {
    const declared = {
      ANALYTICS_ADMIN_OPENIDS: '{{env.ANALYTICS_ADMIN_OPENIDS}}',
      ANALYTICS_COLLECTION: 'stats_archive',
      OBSOLETE: '',
      WECHAT_APPSECRET: '{{ env.WECHAT_APPSECRET }}',
    };
    const { variables, changes } = mergeVariables(current, declared, { ANALYTICS_ADMIN_OPENIDS: 'oNew', WECHAT_APPSECRET: '  ' });
    expect(variables).toEqual([
      { Key: 'ANALYTICS_ADMIN_OPENIDS', Value: 'oNew' },
      { Key: 'SET_IN_CONSOLE', Value: 'console value' },
      { Key: 'ANALYTICS_COLLECTION', Value: 'stats_archive' },
    ]);
    expect(changes.map((change) => [change.key, change.kind])).toEqual([
      ['ANALYTICS_ADMIN_OPENIDS', 'changed'],
      ['ANALYTICS_COLLECTION', 'added'],
      ['OBSOLETE', 'removed'],
      ['WECHAT_APPSECRET', 'unset'],
      ['SET_IN_CONSOLE', 'kept'],
    ]);
    expect(formatVariableChanges(changes)).toEqual([
      '1 added, 1 changed, 1 removed, 1 kept',
      '~ ANALYTICS_ADMIN_OPENIDS "oOld" → "oNew" (from $ANALYTICS_ADMIN_OPENIDS)',
      '+ ANALYTICS_COLLECTION = "stats_archive"',
      '- OBSOLETE (cloudbaserc.json declares it "")',
      '= kept: SET_IN_CONSOLE (set in the console)',
      '? not set (no value in your environment, none on the function): WECHAT_APPSECRET',
    ]);
  });

  it('keeps the current value of a variable the deployer does not set', () => {
    const { variables, changes } = mergeVariables(current, { ANALYTICS_ADMIN_OPENIDS: '{{env.ANALYTICS_ADMIN_OPENIDS}}' }, {});
    expect(variables).toEqual(current);
    expect(changes[0]).toEqual({ key: 'ANALYTICS_ADMIN_OPENIDS', kind: 'kept', before: 'oOld', after: 'oOld', source: { current: 'declared' } });
  });
});

describe('displayValue', () => {
  it.each([
    ['WECHAT_APPSECRET', 'anything at all', REDACTED],
    ['WECHAT_COMPONENT_TOKEN', 'short', REDACTED],
    ['MY_PASSWORD', 'hunter2', REDACTED],
    ['NOTES', '0123456789abcdef0123456789ABCDEF', REDACTED],
    ['NOTES', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', REDACTED],
    ['NOTES', 'AKIDabcdefghijklmnopqrstuvwxyz0123', REDACTED],
    ['ANALYTICS_ADMIN_OPENIDS', 'oAbc-123_xyz,oDef-456', '"oAbc-123_xyz,oDef-456"'],
    ['WECHAT_TOKEN_COLLECTION', 'wechat_tokens', '"wechat_tokens"'],
  ])('%s = %s shows as %s', (key, value, shown) => {
    expect(displayValue(key, value)).toBe(shown);
  });
});

describe('secret names', () => {
  it.each(['OPENAI_API_KEY', 'WEBHOOK_TOKEN', 'APIKEY', 'api_key', 'accessToken', 'DB_PASSWD', 'SMTP_PASSWORD', 'GITHUB_CREDENTIALS', 'AUTH', 'BASIC_AUTH_HEADER', 'SSH_PRIVATE', 'CLIENT_SECRET', 'KEY'])(
    '%s names a secret',
    (key) => {
      expect(isSecretName(key)).toBe(true);
    },
  );

  it.each(['ANALYTICS_COLLECTION', 'ANALYTICS_ADMIN_OPENIDS', 'WECHAT_TRANSPORT', 'WECHAT_TOKEN_COLLECTION', 'WECHAT_AUTHORIZER_COLLECTION'])('%s does not', (key) => {
    expect(isSecretName(key)).toBe(false);
  });

  it.each([
    ['OPENAI_API_KEY', 'sk-live-abc123'],
    ['WEBHOOK_TOKEN', 'whk_987654'],
    ['db_passwd', 'hunter2'],
  ])('%s = %s is redacted', (key, value) => {
    expect(displayValue(key, value)).toBe(REDACTED);
    expect(displayCarriedValue(key, value)).toBe(REDACTED);
  });
});

describe('displayCarriedValue: a value read from the function is printed only when short and plain', () => {
  it.each([
    ['ANALYTICS_COLLECTION', 'stats_archive', '"stats_archive"'],
    ['ANALYTICS_ADMIN_OPENIDS', 'oAbc-123_xyz,oDef-456', '"oAbc-123_xyz,oDef-456"'],
    ['NOTES', 'https://hooks.example.com/x?sig=abc', NOT_SHOWN],
    ['NOTES', '{"user":"a"}', NOT_SHOWN],
    ['NOTES', 'z'.repeat(33), NOT_SHOWN],
    ['NOTES', 'z'.repeat(32), `"${'z'.repeat(32)}"`],
  ])('%s = %s shows as %s', (key, value, shown) => {
    expect(displayCarriedValue(key, value)).toBe(shown);
  });

  it('in the plan, for the value being replaced', () => {
    const { changes } = mergeVariables([{ Key: 'HOOK_URL', Value: 'https://hooks.example.com/x?sig=abc' }], { HOOK_URL: 'https://hooks.example.com/new' }, {});
    expect(formatVariableChanges(changes)).toEqual(['0 added, 1 changed, 0 removed, 0 kept', `~ HOOK_URL ${NOT_SHOWN} → "https://hooks.example.com/new"`]);
  });
});

describe('diffTimers', () => {
  it('reads both forms of TriggerDesc', () => {
    expect(timerCron('{"cron":"0 0 10 * * * *"}')).toBe('0 0 10 * * * *');
    expect(timerCron('0 0 10 * * * *')).toBe('0 0 10 * * * *');
  });

  it('renames into one undeclared timer and removes the rest', () => {
    const current = [
      { name: 'a', cron: '0 0 1 * * * *', enabled: true },
      { name: 'b', cron: '0 0 2 * * * *', enabled: true },
    ];
    expect(diffTimers(current, [{ name: 'daily', type: 'timer', config: '0 0 10 * * * *' }]).map((change) => change.kind)).toEqual(['replace', 'remove']);
    expect(diffTimers(current, [{ name: 'a', type: 'timer', config: '0  0 1 * * * *' }]).map((change) => change.kind)).toEqual(['unchanged', 'remove']);
  });
});
