import { diffTimers, timerCron } from '../../scripts/deploy/triggers';
import { REDACTED, displayValue, formatVariableChanges, mergeVariables } from '../../scripts/deploy/variables';

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
