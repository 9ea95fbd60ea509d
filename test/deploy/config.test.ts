import { cronProblems, isValidTriggerName, parseFunctionConfig } from '../../scripts/deploy/config';
import { satisfiesVersion, scanOpenApiCalls } from '../../scripts/deploy/checks';

describe('cronProblems', () => {
  it.each(['0 0 10 * * * *', '*/5 * * * * * *', '0 0,30 8-18/2 1-15 1,6,12 1-5 2024-2030', '59 59 23 31 12 6 2099'])(
    'accepts %s',
    (cron) => {
      expect(cronProblems(cron)).toEqual([]);
    },
  );

  it.each([
    ['0 0 10 * * *', /6 fields; WeChat needs 7/],
    ['0 0 10 * * * * *', /8 fields/],
    ['60 0 10 * * * *', /second "60": 60 is outside 0-59/],
    ['0 0 24 * * * *', /hour "24": 24 is outside 0-23/],
    ['0 0 10 0 * * *', /day "0": 0 is outside 1-31/],
    ['0 0 10 * 13 * *', /month "13": 13 is outside 1-12/],
    ['0 0 10 * * 7 *', /week "7": 7 is outside 0-6/],
    ['0 0 10 * * * 1969', /year "1969": 1969 is outside 1970-2099/],
    ['0 0 18-8 * * * *', /range 18-8 runs backwards/],
    ['0 */0 * * * * *', /step 0 is outside 1-59/],
    ['0 0 10 * * MON *', /"MON" is not \*, a number/],
    ['0 0 10 ? * * *', /"\?" is not/],
    ['0 5/10 * * * * *', /"5\/10" is not/],
    ['0 0 1,,2 * * * *', /"" is not/],
  ])('rejects %s', (cron, problem) => {
    expect(cronProblems(cron).join('\n')).toMatch(problem);
  });
});

describe('isValidTriggerName', () => {
  it.each(['daily', 'dailyMonthlyAnalyticsSync', 'sync_1', 'a-b', `a${'x'.repeat(59)}`])('accepts %s', (name) => {
    expect(isValidTriggerName(name)).toBe(true);
  });

  it.each(['', '1daily', '_daily', 'daily sync', 'daily.sync', 'dailySync!', `a${'x'.repeat(60)}`])('rejects "%s"', (name) => {
    expect(isValidTriggerName(name)).toBe(false);
  });
});

describe('parseFunctionConfig', () => {
  it('reads permissions and the trigger', () => {
    const text = JSON.stringify({
      permissions: { openapi: ['analysis.getMonthlyRetain'] },
      triggers: [{ name: 'daily', type: 'timer', config: '0 0 10 * * * *' }],
    });
    expect(parseFunctionConfig(text)).toEqual({
      config: { openapi: ['analysis.getMonthlyRetain'], triggers: [{ name: 'daily', type: 'timer', config: '0 0 10 * * * *' }] },
      readable: true,
      problems: [],
    });
  });

  it('rejects comments and trailing commas', () => {
    const commented = parseFunctionConfig('{\n  // the APIs\n  "permissions": { "openapi": [] }\n}');
    expect(commented.readable).toBe(false);
    expect(commented.problems).toEqual([{ about: 'config', message: expect.stringMatching(/not strict JSON .*: remove comments and trailing commas/) }]);
    expect(parseFunctionConfig('{ "permissions": { "openapi": [], } }').problems[0]?.message).toMatch(/not strict JSON/);
  });

  it('names each stray key and where WeChat reads settings instead', () => {
    const { problems } = parseFunctionConfig(
      JSON.stringify({ permissions: { openapi: [], database: true }, timeout: 20, triggers: [{ name: 'd', type: 'timer', config: '0 0 10 * * * *', tz: 'UTC' }] }),
    );
    expect(problems.map((problem) => `${problem.about}: ${problem.message}`)).toEqual([
      'config: "timeout" is not a key WeChat reads: remove it (top-level keys: permissions, triggers); set it in the cloud console instead',
      'config: "permissions.database" is not a key WeChat reads: remove it (keys of permissions: openapi)',
      'trigger: "triggers[0].tz" is not a key WeChat reads: remove it (keys of triggers[0]: name, type, config)',
    ]);
  });

  it('allows one timer trigger per function', () => {
    const trigger = { name: 'daily', type: 'timer', config: '0 0 10 * * * *' };
    const { problems } = parseFunctionConfig(JSON.stringify({ triggers: [trigger, { ...trigger, name: 'other', type: 'cos' }] }));
    expect(problems.map((problem) => problem.message)).toEqual([
      'it has 2 triggers; WeChat allows one per function: keep one',
      'triggers[1].type is "cos": WeChat cloud functions only have "timer" triggers',
    ]);
  });

  it('rejects permissions that are not a list of names', () => {
    expect(parseFunctionConfig('{"permissions": {"openapi": "analysis.getMonthlyRetain"}}').problems[0]?.message).toMatch(
      /"permissions.openapi" must be a list of API names/,
    );
  });
});

describe('scanOpenApiCalls', () => {
  it('finds API names written as string literals and direct openapi calls', () => {
    const code = [
      `var retainReport = { kind: "retain", api: "analysis.getMonthlyRetain" };`,
      `const trend = { api: 'analysis.getMonthlyVisitTrend' };`,
      'await cloud.openapi.security.msgSecCheck({ content });',
      'await cloud.openapi . wxacode . getUnlimited ({ scene });',
    ].join('\n');
    expect(scanOpenApiCalls(code)).toEqual(['analysis.getMonthlyRetain', 'analysis.getMonthlyVisitTrend', 'security.msgSecCheck', 'wxacode.getUnlimited']);
  });

  it('ignores other dotted strings, messages and dynamic calls', () => {
    const code = [
      `var x = "module.exports"; var y = 'config.json'; var z = "analysis.getMonthlyRetain is slow";`,
      'const method = cloud.openapi[namespace][name];',
      'throw new Error(`wx-server-sdk has no openapi.${api}.`);',
    ].join('\n');
    expect(scanOpenApiCalls(code)).toEqual([]);
  });
});

describe('satisfiesVersion', () => {
  it.each([
    ['4.0.2', '4.0.2', true],
    ['4.0.2', '4.0.3', false],
    ['4.1.0', '^4.0.2', true],
    ['5.0.0', '^4.0.2', false],
    ['0.2.5', '^0.2.1', true],
    ['0.3.0', '^0.2.1', false],
    ['2.6.9', '~2.6.3', true],
    ['2.7.0', '~2.6.3', false],
    ['4.0.2', '>=3.0.0', true],
    ['4.0.2', '*', true],
  ] as const)('%s against %s: %s', (version, range, expected) => {
    expect(satisfiesVersion(version, range)).toBe(expected);
  });

  it('cannot tell for tags and complex ranges', () => {
    expect(satisfiesVersion('4.0.2', 'latest')).toBeUndefined();
    expect(satisfiesVersion('4.0.2', '>=3 <5')).toBeUndefined();
  });
});
