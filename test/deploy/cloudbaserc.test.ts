import path from 'path';
import { OFFERED_RUNTIMES } from '@wx-monthly-analytics/cloudbase-runtimes';
import { readDeployConfig, resolveEnvId } from '../../scripts/deploy/cloudbaserc';
import { judgeRuntime, meetsFloor } from '../../scripts/deploy/runtime';
import { makeFixtureProject } from '../fixtures/deploy/temp-project';
import { declare, writeCloudbaserc } from './cloud-project';

const REPOSITORY_ROOT = path.resolve(__dirname, '../..');

describe("the repository's cloudbaserc.json", () => {
  const { config, problems } = readDeployConfig(REPOSITORY_ROOT);

  it('is valid and declares the four functions on the newest offered runtime', () => {
    expect(problems).toEqual([]);
    const newest = OFFERED_RUNTIMES.at(-1)?.name;
    expect(newest).toBe('Nodejs24.11');
    expect(config?.functions.map((fn) => [fn.name, fn.runtime, fn.timeout, fn.memorySize, fn.installDependency, fn.retryCount])).toEqual([
      ['getMonthlyRetain', newest, 10, 256, false, undefined],
      ['getMonthlyVisitTrend', newest, 10, 256, false, undefined],
      ['syncMonthlyAnalytics', newest, 60, 256, false, 1],
      ['componentEvents', newest, 5, 256, false, undefined],
    ]);
    expect(resolveEnvId(config!, { WX_CLOUD_ENV: 'env-1' })).toBe('env-1');
    expect(resolveEnvId(config!, {})).toBeUndefined();
  });

  it('takes every variable from the deployer\'s environment under its own name, and holds no literal', () => {
    for (const fn of config?.functions ?? []) {
      for (const [key, value] of Object.entries(fn.envVariables)) expect(value).toBe(`{{env.${key}}}`);
    }
  });
});

describe('readDeployConfig refuses', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['a runtime CloudBase no longer offers', { runtime: 'Nodejs14.18' }, '.runtime "Nodejs14.18" is not a runtime CloudBase offers for new functions: use one of Nodejs16.13, Nodejs18.15, Nodejs20.19, Nodejs22.21, Nodejs24.11'],
    ['a time limit over 60 s', { timeout: 90 }, '.timeout must be whole seconds from 1 to 60 (a WeChat environment\'s limit)'],
    ['an odd memory size', { memorySize: 300 }, '.memorySize must be 64 or a multiple of 128 MB up to 3072'],
    ['another handler', { handler: 'main.handler' }, '.handler must be "index.main" (index.js exports main)'],
    ['a retry count over 2', { retryCount: 3 }, '.retryCount must be 0, 1 or 2'],
    ['triggers (they stay in config.json)', { triggers: [] }, ".triggers: timer triggers stay in the function's config.json (WeChat DevTools reads them there): remove it"],
    ['a template inside a value', { envVariables: { URL: 'https://{{env.HOST}}/x' } }, '.envVariables.URL: a value from your environment is the whole value "{{env.NAME}}", nothing around it'],
    ['a literal component token', { envVariables: { WECHAT_COMPONENT_TOKEN: 'plain-token' } }, '.envVariables.WECHAT_COMPONENT_TOKEN holds a literal secret'],
  ];
  it.each(cases)('%s', (_case, extra, problem) => {
    const project = makeFixtureProject([]);
    try {
      writeCloudbaserc(project, [declare('fn1', extra)]);
      const { config, problems } = readDeployConfig(project.root);
      expect(config).toBeUndefined();
      expect(problems).toEqual([expect.stringContaining(`cloudbaserc.json functions[0] (fn1)${problem}`)]);
    } finally {
      project.remove();
    }
  });
});

describe('the runtime floor', () => {
  it.each([
    ['Nodejs8.9', false],
    ['Nodejs14.18', false],
    ['Nodejs16.13', true],
    ['Nodejs24.11', true],
    ['Nodejs26.1', true],
    ['Python3.9', false],
  ])('%s meets it: %s', (runtime, meets) => {
    expect(meetsFloor(runtime)).toBe(meets);
    expect(judgeRuntime('fn1', runtime, 'Nodejs24.11').acceptable).toBe(meets);
  });
});
