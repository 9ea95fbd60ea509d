import { FAKE_TENCENT_CLOUD_CREDENTIALS, TencentCloudApi, startTencentCloudApi } from '@wx-monthly-analytics/cloudbase-emulator';
import { DeployError, deploy } from '../../scripts/deploy/deploy';
import { DEFAULT_WAIT_BOUNDS } from '../../scripts/deploy/remote';
import { SUPPORTED_FLOOR } from '../../scripts/deploy/runtime';
import type { TempProject } from '../fixtures/deploy/temp-project';
import { actionsOf, declare, deployerEnvironment, fakeCloudDependencies, makeTinyProject } from './cloud-project';

const ENV_ID = 'analytics-prod-1a2b3c';
const WRITES = ['CreateFunction', 'DeleteFunction', 'UpdateFunctionCode', 'UpdateFunctionConfiguration', 'UpdateFunctionEventInvokeConfig', 'CreateTrigger', 'DeleteTrigger'];

describe('deploy and the runtime of an existing function', () => {
  let api: TencentCloudApi;
  let project: TempProject;
  beforeEach(async () => {
    api = await startTencentCloudApi({ environments: [{ envId: ENV_ID, region: 'ap-shanghai' }], settleReads: 2 });
    project = makeTinyProject(
      [{ name: 'report', openapi: ['analysis.getMonthlyRetain'], trigger: { name: 'daily', config: '0 0 10 * * * *' } }, { name: 'other' }],
      [declare('report', { envVariables: { ANALYTICS_ADMIN_OPENIDS: '{{env.ANALYTICS_ADMIN_OPENIDS}}', ANALYTICS_COLLECTION: 'stats_archive' } }), declare('other')],
    );
    api.seedFunction({
      name: 'report',
      runtime: 'Nodejs8.9',
      variables: [
        { Key: 'ANALYTICS_ADMIN_OPENIDS', Value: 'oFromConsole' },
        { Key: 'CONSOLE_ONLY', Value: 'x' },
      ],
      timers: [{ name: 'old', cron: '0 0 9 * * * *', enabled: true }],
    });
    api.seedFunction({ name: 'other', runtime: 'Nodejs16.13', timeout: 10 });
  });
  afterEach(async () => {
    project.remove();
    await api.close();
  });

  it('refuses a function below the floor with the fix, and deploys the others', async () => {
    expect(SUPPORTED_FLOOR).toBe('Nodejs16.13');
    const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID));
    const result = await deploy({ projectRoot: project.root }, dependencies);

    expect(result.exitCode).toBe(1);
    expect(actionsOf(api, 'report').filter((action) => WRITES.includes(action))).toEqual([]);
    expect(actionsOf(api, 'other').filter((action) => WRITES.includes(action))).toEqual(['UpdateFunctionCode']);
    const refusal =
      'Nodejs8.9 is below the supported floor Nodejs16.13 (the bundles load on Nodejs16.13 and later), and a function\'s runtime cannot be changed once it is created. ' +
      'Fix: npm run deploy -- --recreate report (reads its environment variables, deletes it, creates it on Nodejs24.11 with them; then apply its permissions from DevTools again), ' +
      'or delete it in the console and deploy again.';
    expect(dependencies.printed).toContain(`  refused      runtime ${refusal}`);
    expect(dependencies.printed.at(-1)).toBe(`✗ report was left alone: runtime ${refusal}`);
    expect(api.functionNamed('report')?.runtime).toBe('Nodejs8.9');
  });

  it('--recreate reads the variables, deletes, creates on the declared runtime with them, and says the DevTools step is needed again', async () => {
    const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID));
    const result = await deploy({ projectRoot: project.root, only: ['report'], recreate: ['report'] }, dependencies);

    expect(result.failed).toEqual([]);
    expect(actionsOf(api, 'report')).toEqual([
      'GetFunction',
      'ListTriggers',
      'GetFunctionEventInvokeConfig',
      'DeleteFunction',
      'GetFunction',
      'GetFunction',
      'GetFunction',
      'CreateFunction',
      'GetFunction',
      'GetFunction',
      'GetFunction',
      'CreateTrigger',
    ]);
    expect(api.requests.find((request) => request.action === 'CreateFunction')?.params).toMatchObject({
      Runtime: 'Nodejs24.11',
      Environment: {
        Variables: [
          { Key: 'ANALYTICS_ADMIN_OPENIDS', Value: 'oFromConsole' },
          { Key: 'CONSOLE_ONLY', Value: 'x' },
          { Key: 'ANALYTICS_COLLECTION', Value: 'stats_archive' },
        ],
      },
    });
    expect(api.functionNamed('report')).toMatchObject({ runtime: 'Nodejs24.11', status: 'Active', timers: [{ name: 'daily', cron: '0 0 10 * * * *', enabled: true }] });
    const output = dependencies.printed.join('\n');
    expect(output).toContain('report: recreate on Nodejs24.11 (delete, then create)');
    expect(output).toContain('runtime      Nodejs24.11 (recreated; it was on Nodejs8.9)');
    expect(output).toContain('report was recreated: the permissions DevTools had applied went with the deleted function, so the DevTools step below is needed again.');
    expect(output).toContain('  Needed now (created or recreated by this deploy):\n    report (analysis.getMonthlyRetain)');
  });

  it('--recreate refuses a name --only leaves out', async () => {
    await expect(deploy({ projectRoot: project.root, only: ['other'], recreate: ['report'] }, fakeCloudDependencies(api, deployerEnvironment(ENV_ID)))).rejects.toThrow(
      '--recreate names report, which --only leaves out; the functions are other.',
    );
  });
});

describe('deploy and a function whose runtime is not a Node.js one as CloudBase names them', () => {
  let api: TencentCloudApi;
  let project: TempProject;
  beforeEach(async () => {
    api = await startTencentCloudApi({ environments: [{ envId: ENV_ID, region: 'ap-shanghai' }] });
    project = makeTinyProject([{ name: 'report' }]);
  });
  afterEach(async () => {
    project.remove();
    await api.close();
  });

  it.each(['Python3.9', 'CustomRuntime', 'Nodejs18', 'Nodejs 18.15'])('%s: left alone, with or without --recreate, never told to recreate it', async (runtime) => {
    api.seedFunction({ name: 'report', runtime, variables: [{ Key: 'THEIRS', Value: 'x' }] });
    for (const recreate of [[], ['report']]) {
      const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID));
      const result = await deploy({ projectRoot: project.root, recreate }, dependencies);

      expect(result.exitCode).toBe(1);
      expect(result.plans.map((plan) => plan.action)).toEqual(['refused']);
      const refusal =
        `runtime ${JSON.stringify(runtime)} is not a Node.js runtime as CloudBase names them (Nodejs<major>.<minor>, e.g. Nodejs16.13): ` +
        'the function named report in this environment is not a Node.js function, or its runtime is not one CloudBase names. ' +
        'The deploy leaves it alone: it neither updates nor deletes it, even when asked to recreate it. ' +
        'Check that report is the name you meant (cloudbaserc.json, the folder) and that --env / WX_CLOUD_ENV names the right environment.';
      expect(dependencies.printed.at(-1)).toBe(`✗ report was left alone: ${refusal}`);
      expect(dependencies.printed.join('\n')).not.toMatch(/below the supported floor|--recreate report/);
    }
    expect(actionsOf(api, 'report').filter((action) => WRITES.includes(action))).toEqual([]);
    expect(api.functionNamed('report')).toMatchObject({ runtime, variables: [{ Key: 'THEIRS', Value: 'x' }] });
  });

  it('accepts a Nodejs<major>.<minor> above the floor that is not in the known list (a future Nodejs26.1)', async () => {
    api.seedFunction({ name: 'report', runtime: 'Nodejs26.1', timeout: 10 });
    const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID));
    const result = await deploy({ projectRoot: project.root }, dependencies);

    expect(result.failed).toEqual([]);
    expect(actionsOf(api, 'report').filter((action) => WRITES.includes(action))).toEqual(['UpdateFunctionCode']);
    expect(dependencies.printed).toContain('  runtime      Nodejs26.1: acceptable (Nodejs16.13 or later); a new function gets Nodejs24.11, and --recreate report moves this one there');
  });

  it('an Active function reported with no runtime: says so and what to check, not to wait', async () => {
    api.seedFunction({ name: 'report', runtime: '' });
    for (const recreate of [[], ['report']]) {
      const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID));
      const result = await deploy({ projectRoot: project.root, recreate }, dependencies);

      expect(result.exitCode).toBe(1);
      expect(dependencies.printed.at(-1)).toBe(
        '✗ report was left alone: the platform reported no runtime for it (status Active), so the deploy cannot tell whether it is a Node.js function and leaves it alone. ' +
          'Check its runtime in the cloud console (云开发控制台 → 云函数 → report) and that --env / WX_CLOUD_ENV names the right environment; ' +
          'if it is a function of ours that is broken, delete it in the console and deploy again (it is then created).',
      );
      expect(dependencies.printed.join('\n')).not.toContain('wait until it is Active');
    }
    expect(actionsOf(api, 'report').filter((action) => WRITES.includes(action))).toEqual([]);
  });
});

describe('deploy waits for the function, within bounds', () => {
  let api: TencentCloudApi;
  let project: TempProject;
  beforeEach(async () => {
    api = await startTencentCloudApi({ environments: [{ envId: ENV_ID, region: 'ap-shanghai' }] });
    project = makeTinyProject([{ name: 'report' }]);
    api.seedFunction({ name: 'report', runtime: 'Nodejs20.19', timeout: 3 });
  });
  afterEach(async () => {
    project.remove();
    await api.close();
  });

  it('stops when a wait runs out of its bound, naming the function, the state and what to do', async () => {
    api.planOutcome('report', 'UpdateFunctionCode', { status: 'Active', reads: Infinity });
    const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID));
    const result = await deploy({ projectRoot: project.root }, dependencies);

    expect(result.exitCode).toBe(1);
    expect(actionsOf(api).filter((action) => WRITES.includes(action))).toEqual(['UpdateFunctionCode']);
    const bound = DEFAULT_WAIT_BOUNDS.code / 1000;
    expect(result.failed).toEqual([
      {
        name: 'report',
        message:
          `report is still Updating ${bound} s after UpdateFunctionCode (this wait's bound is ${bound} s): nothing more was changed on it. ` +
          'Check it in the cloud console (云开发 → 云函数 → report); once it is back to normal (Active), run npm run deploy -- --only report again.',
      },
    ]);
    expect(dependencies.clock.slept.every((ms) => ms === 1_000)).toBe(true);
    expect(dependencies.clock.slept).toHaveLength(bound);
  });

  it('fails at once on UpdateFailed, with the platform\'s reasons', async () => {
    api.planOutcome('report', 'UpdateFunctionCode', { status: 'UpdateFailed', reads: 1, reasons: [{ ErrorCode: 'UserCodeError', ErrorMessage: 'index.js failed to load' }] });
    const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID));
    const result = await deploy({ projectRoot: project.root }, dependencies);

    expect(result.exitCode).toBe(1);
    expect(dependencies.clock.slept).toEqual([1_000]);
    expect(actionsOf(api).filter((action) => WRITES.includes(action))).toEqual(['UpdateFunctionCode']);
    expect(dependencies.printed.at(-1)).toBe(
      '✗ report is UpdateFailed after UpdateFunctionCode: [UserCodeError] index.js failed to load. Nothing more was changed on it; fix the cause, then run npm run deploy -- --only report again.',
    );
  });

  it('reports an error answer of the API with its code and RequestId', async () => {
    api.failNext('UpdateFunctionCode', 'InternalError', 'internal error');
    const result = await deploy({ projectRoot: project.root }, fakeCloudDependencies(api, deployerEnvironment(ENV_ID)));
    expect(result.failed[0]?.message).toMatch(/^UpdateFunctionCode failed: InternalError: internal error \(RequestId [0-9a-f-]{36}\); run npm run deploy -- --only report again once it is fixed$/);
  });

  it('stops with the fix when the API refuses the keys, never printing the secret key', async () => {
    const environment = deployerEnvironment(ENV_ID, { TENCENTCLOUD_SECRETKEY: 'a-wrong-secret-key' });
    const attempt = deploy({ projectRoot: project.root }, fakeCloudDependencies(api, environment));
    await expect(attempt).rejects.toThrow(DeployError);
    await expect(attempt).rejects.toThrow(
      `Could not read environment ${ENV_ID} (DescribeEnvs failed: AuthFailure.SignatureFailure: The provided credentials could not be validated. Please check your signature is correct.`,
    );
    await expect(attempt).rejects.not.toThrow('a-wrong-secret-key');
    expect(api.requests.every((request) => !request.authorized && request.params.EnvId === undefined)).toBe(true);
    expect(FAKE_TENCENT_CLOUD_CREDENTIALS.secretKey).not.toBe('a-wrong-secret-key');
  });
});
