import { cronProblems, isValidTriggerName, parseFunctionConfig } from '../../scripts/deploy/config';
import { satisfiesVersion, scanOpenApiCalls } from '../../scripts/deploy/checks';

describe('cronProblems', () => {
  it.each([
    ['the daily sync', '0 0 10 * * * *'],
    ['a step of every value', '*/5 * * * * * *'],
    ['lists, ranges and a range with a step', '0 0,30 8-18/2 1-15 1,6,12 1-5 2024-2030'],
    ['each field at its top value', '59 59 23 31 12 6 2099'],
    ['each field at its bottom value', '0 0 0 1 1 0 1970'],
    ['a start with a step (1/10: from minute 1, every 10 minutes)', '0 1/10 * * * * *'],
    ['a weekday range by name', '0 0 10 * * MON-FRI *'],
    ['a month by name', '0 0 10 1 JAN * *'],
    ['names in any case', '0 0 10 1 jan,Jul mon-fri *'],
    ['lists of names', '0 0 10 * JAN,APR,JUL,OCT SAT,SUN *'],
    ['a range of names with a step', '0 0 10 1 JAN-DEC/3 * *'],
    ['a name with a step', '0 0 10 * * MON/2 *'],
    ['names mixed with numbers', '0 0 10 * 1-MAR 1,WED *'],
    ['every weekday and month name', `0 0 10 * ${'JAN,FEB,MAR,APR,MAY,JUN,JUL,AUG,SEP,OCT,NOV,DEC'} ${'SUN,MON,TUE,WED,THU,FRI,SAT'} *`],
    ['a year range with a step', '0 0 10 1 1 * 2024-2099/5'],
  ])('accepts %s: %s', (_form, cron) => {
    expect(cronProblems(cron)).toEqual([]);
  });

  it.each([
    ['0 0 10 * * *', 'it has 6 fields; WeChat needs 7 fields: second minute hour day month week year; did you mean "0 0 10 * * * *" (the year is missing: add * after)?'],
    ['0 10 * * * 2024', 'it has 6 fields; WeChat needs 7 fields: second minute hour day month week year; did you mean "0 0 10 * * * 2024" (the second is missing: add it before)?'],
    ['0 10 * * MON-FRI', 'it has 5 fields; WeChat needs 7 fields: second minute hour day month week year; did you mean "0 0 10 * * MON-FRI *" (a 5-field cron is minute hour day month week: add the second before and the year after)?'],
  ])('rejects %s and shows the seven-field fix', (cron, problem) => {
    expect(cronProblems(cron)).toEqual([problem]);
  });

  it.each([
    ['0 0 10 * * * * *', /8 fields; WeChat needs 7 fields: second minute hour day month week year, e\.g\. "0 0 10 \* \* \* \*"/],
    ['', /0 fields/],
    ['60 0 10 * * * *', /second "60": 60 is outside 0-59/],
    ['0 60 10 * * * *', /minute "60": 60 is outside 0-59/],
    ['0 0 24 * * * *', /hour "24": 24 is outside 0-23/],
    ['0 0 10 0 * * *', /day "0": 0 is outside 1-31/],
    ['0 0 10 32 * * *', /day "32": 32 is outside 1-31/],
    ['0 0 10 * 0 * *', /month "0": 0 is outside 1-12/],
    ['0 0 10 * 13 * *', /month "13": 13 is outside 1-12/],
    ['0 0 10 * * 7 *', /week "7": 7 is outside 0-6/],
    ['0 0 10 * * * 1969', /year "1969": 1969 is outside 1970-2099/],
    ['0 0 10 * * * 2100', /year "2100": 2100 is outside 1970-2099/],
    ['0 0 18-8 * * * *', /range 18-8 runs backwards/],
    ['0 0 10 * NOV-FEB * *', /month "NOV-FEB": range NOV-FEB runs backwards/],
    ['0 0 10 * * FRI-MON *', /week "FRI-MON": range FRI-MON runs backwards \(the week runs SUN to SAT, 0 to 6\): split it, e\.g\. FRI-SAT,SUN-MON/],
    ['0 0 10 * * 5-1 *', /split it, e\.g\. 5-6,0-1/],
    ['0 */0 * * * * *', /step 0 is outside 1-59/],
    ['0 0 10 1/31 * * *', /step 31 is outside 1-30/],
    ['0 0 10 * MON * *', /month "MON": "MON" is not a valid month: use 1-12 or JAN, FEB/],
    ['0 0 10 * * JAN *', /week "JAN": "JAN" is not a valid week: use 0-6 or SUN, MON, TUE, WED, THU, FRI, SAT/],
    ['0 0 10 * * MONDAY *', /"MONDAY" is not a valid week/],
    ['0 0 MON * * * *', /hour "MON": "MON" is not a valid hour: use a number 0-23/],
    ['0 0 10 * * * MMXXIV', /year "MMXXIV": "MMXXIV" is not a valid year/],
    ['0 0 10 ? * * *', /"\?" is not \*, a value, a range a-b, or one of those with a step/],
    ['0 0 10 L * * *', /"L" is not a valid day/],
    ['0 0 10 * * 1#2 *', /"1#2" is not \*/],
    ['0 0 10 * * */ *', /"\*\/" is not \*/],
    ['0 0 1-2-3 * * * *', /"1-2-3" is not \*/],
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
      'config: "timeout" is not a key WeChat reads: remove it (top-level keys: permissions, triggers); declare it in cloudbaserc.json instead (npm run deploy applies it)',
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
    ['4.0.2', '^4', true],
    ['5.0.0', '^4', false],
    ['4.9.1', '4.x', true],
    ['3.9.9', '4.x', false],
    ['4.0.2', '>=4 <5', true],
    ['5.0.0', '>=4 <5', false],
    ['4.0.2', '^3.0.0 || ^4.0.0', true],
    ['5.1.0', '^3.0.0 || ^4.0.0', false],
    ['4.0.2', '', true],
  ] as const)('%s against %s: %s', (version, range, expected) => {
    expect(satisfiesVersion(version, range)).toBe(expected);
  });

  it('cannot tell for tags and URLs', () => {
    expect(satisfiesVersion('4.0.2', 'latest')).toBeUndefined();
    expect(satisfiesVersion('4.0.2', 'github:user/repo')).toBeUndefined();
  });
});
