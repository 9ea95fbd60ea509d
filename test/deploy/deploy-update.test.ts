import { TencentCloudApi, startTencentCloudApi } from '@wx-monthly-analytics/cloudbase-emulator';
import { DeployError, deploy } from '../../scripts/deploy/deploy';
import type { TempProject } from '../fixtures/deploy/temp-project';
import { actionsOf, declare, deployerEnvironment, fakeCloudDependencies, makeTinyProject, writeCloudbaserc } from './cloud-project';

const ENV_ID = 'analytics-prod-1a2b3c';
const OLD_SECRET = 'ffffffffffffffffffffffffffffffff';
const NEW_SECRET = '0123456789abcdef0123456789abcdef';
const WRITES = ['CreateFunction', 'DeleteFunction', 'UpdateFunctionCode', 'UpdateFunctionConfiguration', 'UpdateFunctionEventInvokeConfig', 'CreateTrigger', 'DeleteTrigger'];

describe('deploy updates an existing function', () => {
  let api: TencentCloudApi;
  let project: TempProject;
  const variables = { ANALYTICS_ADMIN_OPENIDS: '{{env.ANALYTICS_ADMIN_OPENIDS}}', ANALYTICS_COLLECTION: 'stats_archive', WECHAT_APPSECRET: '{{env.WECHAT_APPSECRET}}' };
  beforeEach(async () => {
    api = await startTencentCloudApi({ environments: [{ envId: ENV_ID, region: 'ap-shanghai' }] });
    project = makeTinyProject([{ name: 'report', openapi: ['analysis.getMonthlyRetain'] }], [declare('report', { timeout: 10, envVariables: variables })]);
    api.seedFunction({
      name: 'report',
      runtime: 'Nodejs18.15',
      timeout: 3,
      variables: [
        { Key: 'ANALYTICS_ADMIN_OPENIDS', Value: 'oFromConsole' },
        { Key: 'CONSOLE_ONLY', Value: 'kept as set in the console' },
        { Key: 'WECHAT_APPSECRET', Value: OLD_SECRET },
      ],
    });
  });
  afterEach(async () => {
    project.remove();
    await api.close();
  });

  it('keeps console-set variables, applies a secret from the deployer and never prints it', async () => {
    const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID, { WECHAT_APPSECRET: NEW_SECRET }));
    const result = await deploy({ projectRoot: project.root }, dependencies);

    expect(result.exitCode).toBe(0);
    expect(actionsOf(api).filter((action) => WRITES.includes(action))).toEqual(['UpdateFunctionCode', 'UpdateFunctionConfiguration']);
    expect(api.requests.find((request) => request.action === 'UpdateFunctionCode')?.params).toMatchObject({ InstallDependency: 'FALSE', Handler: 'index.main' });
    expect(api.requests.find((request) => request.action === 'UpdateFunctionConfiguration')?.params).toEqual({
      FunctionName: 'report',
      Namespace: ENV_ID,
      Timeout: 10,
      MemorySize: 256,
      Environment: {
        Variables: [
          { Key: 'ANALYTICS_ADMIN_OPENIDS', Value: 'oFromConsole' },
          { Key: 'CONSOLE_ONLY', Value: 'kept as set in the console' },
          { Key: 'WECHAT_APPSECRET', Value: NEW_SECRET },
          { Key: 'ANALYTICS_COLLECTION', Value: 'stats_archive' },
        ],
      },
    });
    expect(api.functionNamed('report')).toMatchObject({ runtime: 'Nodejs18.15', timeout: 10, installDependency: 'FALSE', status: 'Active' });

    const output = dependencies.printed.join('\n');
    expect(output).not.toContain(NEW_SECRET);
    expect(output).not.toContain(OLD_SECRET);
    expect(output).toContain('report: update');
    expect(output).toContain('runtime      Nodejs18.15: acceptable (Nodejs16.13 or later); a new function gets Nodejs24.11, and --recreate report moves this one there');
    expect(output).toContain('time limit   3 s → 10 s');
    expect(output).toContain('environment  1 added, 1 changed, 0 removed, 2 kept');
    expect(output).toContain('~ WECHAT_APPSECRET <redacted> → <redacted> (from $WECHAT_APPSECRET)');
    expect(output).toContain('+ ANALYTICS_COLLECTION = "stats_archive"');
    expect(output).toContain('= kept: ANALYTICS_ADMIN_OPENIDS, CONSOLE_ONLY (set in the console)');
    expect(output).toContain('  Needed only if permissions.openapi changed since their last DevTools upload:\n    report (analysis.getMonthlyRetain)');
    expect(output).toContain('Reminder: the archive collection stats_archive (ANALYTICS_COLLECTION');
  });

  it('refuses a literal secret in cloudbaserc.json before building or calling anything', async () => {
    writeCloudbaserc(project, [declare('report', { envVariables: { ...variables, WECHAT_APPSECRET: NEW_SECRET } })]);
    const build = jest.fn(async () => undefined);
    const attempt = deploy({ projectRoot: project.root }, fakeCloudDependencies(api, deployerEnvironment(ENV_ID), { build }));
    await expect(attempt).rejects.toThrow(DeployError);
    await expect(attempt).rejects.toThrow(
      'cloudbaserc.json functions[0] (report).envVariables.WECHAT_APPSECRET holds a literal secret: a secret is never written in the repository; write "{{env.WECHAT_APPSECRET}}" and export WECHAT_APPSECRET where you deploy',
    );
    await expect(attempt).rejects.not.toThrow(NEW_SECRET);
    expect(build).not.toHaveBeenCalled();
    expect(api.requests).toEqual([]);
  });

  it('refuses a secret-shaped literal in any variable', async () => {
    writeCloudbaserc(project, [declare('report', { envVariables: { SOME_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' } })]);
    await expect(deploy({ projectRoot: project.root }, fakeCloudDependencies(api, deployerEnvironment(ENV_ID)))).rejects.toThrow(
      'cloudbaserc.json functions[0] (report).envVariables.SOME_KEY holds a literal secret',
    );
  });

  it('--dry-run prints the same plan and sends reads only', async () => {
    const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID, { WECHAT_APPSECRET: NEW_SECRET }));
    const result = await deploy({ projectRoot: project.root, dryRun: true }, dependencies);

    expect(result.exitCode).toBe(0);
    expect(result.plans.map((plan) => [plan.name, plan.action, plan.configurationChanged])).toEqual([['report', 'update', true]]);
    expect(actionsOf(api)).toEqual(['DescribeEnvs', 'GetFunction', 'ListTriggers', 'GetFunctionEventInvokeConfig']);
    expect(api.functionNamed('report')).toMatchObject({ timeout: 3, variables: expect.arrayContaining([{ Key: 'WECHAT_APPSECRET', Value: OLD_SECRET }]) });
    expect(dependencies.printed).toContain('               ~ WECHAT_APPSECRET <redacted> → <redacted> (from $WECHAT_APPSECRET)');
    expect(dependencies.printed.join('\n')).not.toContain(NEW_SECRET);
    expect(dependencies.printed.at(-1)).toBe('Dry run: nothing was changed (only DescribeEnvs, GetFunction, ListTriggers and GetFunctionEventInvokeConfig were called).');
  });

  it('leaves the configuration alone when nothing in it changed', async () => {
    writeCloudbaserc(project, [declare('report', { timeout: 3, envVariables: { ANALYTICS_ADMIN_OPENIDS: '{{env.ANALYTICS_ADMIN_OPENIDS}}' } })]);
    const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID));
    expect((await deploy({ projectRoot: project.root }, dependencies)).exitCode).toBe(0);
    expect(actionsOf(api).filter((action) => WRITES.includes(action))).toEqual(['UpdateFunctionCode']);
    expect(dependencies.printed).toContain('report: time limit, memory and variables unchanged.');
  });
});

describe('deploy keeps the timers equal to config.json', () => {
  let api: TencentCloudApi;
  let project: TempProject | undefined;
  beforeEach(async () => {
    api = await startTencentCloudApi({ environments: [{ envId: ENV_ID, region: 'ap-shanghai' }] });
  });
  afterEach(async () => {
    project?.remove();
    await api.close();
  });

  it.each([
    ['a changed cron', [{ name: 'daily', cron: '0 0 9 * * * *' }], { name: 'daily', config: '0 0 10 * * * *' }, ['DeleteTrigger daily', 'CreateTrigger daily'], 'replace daily "0 0 9 * * * *" → daily "0 0 10 * * * *" (cron changed)'],
    ['a renamed trigger', [{ name: 'nightly', cron: '0 0 10 * * * *' }], { name: 'daily', config: '0 0 10 * * * *' }, ['DeleteTrigger nightly', 'CreateTrigger daily'], 'replace nightly "0 0 10 * * * *" → daily "0 0 10 * * * *" (renamed)'],
    ['an undeclared timer', [{ name: 'stray', cron: '0 */5 * * * * *' }], undefined, ['DeleteTrigger stray'], 'remove stray "0 */5 * * * * *" (not in config.json)'],
    ['an unchanged timer', [{ name: 'daily', cron: '0 0 10 * * * *' }], { name: 'daily', config: '0 0 10 * * * *' }, [], 'daily "0 0 10 * * * *" unchanged'],
  ])('replaces or removes %s', async (_case, timers, trigger, expected, line) => {
    project = makeTinyProject([{ name: 'syncJob', ...(trigger ? { trigger } : {}) }]);
    api.seedFunction({ name: 'syncJob', runtime: 'Nodejs20.19', timeout: 10, timers: timers.map((timer) => ({ ...timer, enabled: true })) });
    const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID));
    expect((await deploy({ projectRoot: project.root }, dependencies)).exitCode).toBe(0);

    const triggerCalls = api.requests.filter((request) => request.action.endsWith('Trigger')).map((request) => `${request.action} ${String(request.params.TriggerName)}`);
    expect(triggerCalls).toEqual(expected);
    expect(api.functionNamed('syncJob')?.timers.map((timer) => [timer.name, timer.cron])).toEqual(trigger ? [[trigger.name, trigger.config]] : []);
    expect(dependencies.printed).toContain(`  triggers     ${line}`);
  });
});
