import { writeFileSync } from 'fs';
import path from 'path';
import { TencentCloudApi, startTencentCloudApi } from '@wx-monthly-analytics/cloudbase-emulator';
import { buildFunctions } from '../../scripts/build';
import { parseDeployArgs, runDeployCommand } from '../../scripts/deploy';
import { READ_ACTIONS } from '../../scripts/deploy/cloud-api';
import { DeployDependencies, DeployError, deploy } from '../../scripts/deploy/deploy';
import { UPLOADED_FILES } from '../../scripts/deploy/stage';
import { TempProject, makeFixtureProject, makeRealFunctionsProject } from '../fixtures/deploy/temp-project';
import { copyRepositoryCloudbaserc, declare, deployerEnvironment, fakeCloudDependencies, writeCloudbaserc } from './cloud-project';

jest.setTimeout(60_000);

const ENV_ID = 'analytics-prod-1a2b3c';
const FUNCTIONS = ['componentEvents', 'getMonthlyRetain', 'getMonthlyVisitTrend', 'syncMonthlyAnalytics'];
const ARCHIVE_REMINDER =
  'Reminder: the archive collection analytics_monthly (ANALYTICS_COLLECTION, default analytics_monthly) must allow no client read or write: ' +
  'cloud console → 数据库 → the collection → 数据权限 → 自定义安全规则 {"read": false, "write": false} (only the cloud functions use it). ' +
  'With WECHAT_TRANSPORT https or component, the same for wechat_tokens (WECHAT_TOKEN_COLLECTION) and wechat_authorizers (WECHAT_AUTHORIZER_COLLECTION): they hold tokens.';

function quietDependencies(extra: DeployDependencies = {}): DeployDependencies & { printed: string[] } {
  const printed: string[] = [];
  return { print: (line) => printed.push(line), environment: {}, build: async () => undefined, ...extra, printed };
}

describe('deploy with the real functions', () => {
  let project: TempProject;
  let api: TencentCloudApi;
  beforeAll(async () => {
    project = makeRealFunctionsProject();
    copyRepositoryCloudbaserc(project);
    await buildFunctions(project.functionsRoot);
  });
  afterAll(() => project.remove());
  beforeEach(async () => {
    api = await startTencentCloudApi({ environments: [{ envId: ENV_ID, region: 'ap-shanghai' }] });
  });
  afterEach(() => api.close());

  it('--dry-run without credentials prints the declared plan and says the current state was not read', async () => {
    const dependencies = quietDependencies({ environment: { ANALYTICS_ADMIN_OPENIDS: 'oAdmin1' } });
    const result = await deploy({ dryRun: true, projectRoot: project.root }, dependencies);

    expect(result.exitCode).toBe(0);
    expect(result.plans).toEqual([]);
    expect(result.staged.map((fn) => [fn.name, fn.files.map((file) => file.file)])).toEqual(FUNCTIONS.map((name) => [name, [...UPLOADED_FILES]]));
    const output = dependencies.printed.join('\n');
    expect(output).toMatch(/all checks pass\./);
    expect(output).toContain('Deploy plan (declared in cloudbaserc.json and config.json; the current state was not read: no TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY in your environment):');
    expect(output).toContain('syncMonthlyAnalytics: create or update (current state not read)');
    expect(output).toContain('  runtime      Nodejs24.11 for a new function; an existing one keeps its own if Nodejs16.13 or later, else it is refused');
    expect(output.match(/^ {2}time limit {3}10 s$/gm)).toHaveLength(2);
    expect(output).toContain('  time limit   60 s');
    expect(output).toContain('  time limit   5 s');
    expect(output).toContain('  retry count  1 (retries of a failed timer run; the platform\'s default is 2)');
    expect(output.match(/no cloud npm install \(InstallDependency FALSE\)/g)).toHaveLength(4);
    expect(output).toContain('ANALYTICS_ADMIN_OPENIDS = "oAdmin1" (from $ANALYTICS_ADMIN_OPENIDS)');
    expect(output).toMatch(/^ {15}not set in your environment \(an existing function keeps its value\): ANALYTICS_COLLECTION, .*\bWECHAT_APPSECRET\b/m);
    expect(output).not.toMatch(/keeps its value\): [^\n]*\bANALYTICS_ADMIN_OPENIDS\b/);
    expect(output).toContain('dailyMonthlyAnalyticsSync "0 0 10 * * * *" (created, or replaced if its cron or name changed)');
    expect(dependencies.printed).toContain(ARCHIVE_REMINDER);
    expect(dependencies.printed.at(-1)).toBe(
      'Dry run: nothing was changed, and the current state was not read. With TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY set and an environment id (--env ENV_ID or WX_CLOUD_ENV), the dry run compares with what each function has.',
    );
  });

  it('--dry-run with credentials reads the current state, prints what it would do and writes nothing', async () => {
    api.seedFunction({
      name: 'getMonthlyRetain',
      runtime: 'Nodejs18.15',
      timeout: 3,
      variables: [
        { Key: 'ANALYTICS_ADMIN_OPENIDS', Value: 'oAdmin1' },
        { Key: 'WECHAT_APPSECRET', Value: 'ffffffffffffffffffffffffffffffff' },
      ],
    });
    api.seedFunction({ name: 'getMonthlyVisitTrend', runtime: 'Nodejs8.9' });
    api.seedFunction({ name: 'syncMonthlyAnalytics', runtime: 'Nodejs20.19', timeout: 20, timers: [{ name: 'monthlySync', cron: '0 0 9 * * * *', enabled: true }] });
    const secret = '0123456789abcdef0123456789abcdef';
    const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID, { WECHAT_APPSECRET: secret, ANALYTICS_COLLECTION: 'stats_archive' }));
    const result = await deploy({ dryRun: true, projectRoot: project.root }, dependencies);

    expect(api.requests.every((request) => request.authorized && READ_ACTIONS.includes(request.action))).toBe(true);
    expect(result.plans.map((plan) => [plan.name, plan.action])).toEqual([
      ['componentEvents', 'create'],
      ['getMonthlyRetain', 'update'],
      ['getMonthlyVisitTrend', 'refused'],
      ['syncMonthlyAnalytics', 'update'],
    ]);
    expect(result.exitCode).toBe(1);
    const output = dependencies.printed.join('\n');
    expect(output).not.toContain(secret);
    expect(output).not.toContain('ffffffffffffffffffffffffffffffff');
    expect(output).toContain(`Deploy plan for environment ${ENV_ID} (region ap-shanghai, namespace ${ENV_ID}), from its current state:`);
    expect(output).toContain('componentEvents: create on Nodejs24.11');
    expect(output).toContain('~ WECHAT_APPSECRET <redacted> → <redacted> (from $WECHAT_APPSECRET)');
    expect(output).toContain('getMonthlyVisitTrend: refused\n  runtime      Nodejs8.9\n  refused      runtime Nodejs8.9 is below the supported floor Nodejs16.13');
    expect(output).toContain('  time limit   20 s → 60 s');
    expect(output).toContain('  retry count  2 → 1 (retries of a failed timer run; the platform\'s default is 2)');
    expect(output).toContain('  triggers     replace monthlySync "0 0 9 * * * *" → dailyMonthlyAnalyticsSync "0 0 10 * * * *" (renamed)');
    expect(dependencies.printed.at(-1)).toBe('Dry run: nothing was changed (only DescribeEnvs, GetFunction, ListTriggers and GetFunctionEventInvokeConfig were called).');
    expect(api.functionNamed('componentEvents')).toBeUndefined();
    expect(api.functionNamed('syncMonthlyAnalytics')?.timers).toEqual([{ name: 'monthlySync', cron: '0 0 9 * * * *', enabled: true }]);
  });

  it('deploys the four functions, each with its declared time limit, on Nodejs24.11, the sync with its timer and retry count', async () => {
    const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID, { ANALYTICS_ADMIN_OPENIDS: 'oAdmin1' }));
    const result = await deploy({ projectRoot: project.root }, dependencies);

    expect(result.failed).toEqual([]);
    expect(FUNCTIONS.map((name) => [name, api.functionNamed(name)?.runtime, api.functionNamed(name)?.timeout, api.functionNamed(name)?.installDependency])).toEqual([
      ['componentEvents', 'Nodejs24.11', 5, 'FALSE'],
      ['getMonthlyRetain', 'Nodejs24.11', 10, 'FALSE'],
      ['getMonthlyVisitTrend', 'Nodejs24.11', 10, 'FALSE'],
      ['syncMonthlyAnalytics', 'Nodejs24.11', 60, 'FALSE'],
    ]);
    expect(api.functionNamed('syncMonthlyAnalytics')).toMatchObject({ retryNum: 1, timers: [{ name: 'dailyMonthlyAnalyticsSync', cron: '0 0 10 * * * *', enabled: true }] });
    expect(api.functionNamed('getMonthlyRetain')?.retryNum).toBe(2);
    const step = dependencies.printed.slice(dependencies.printed.findIndex((line) => line.startsWith('One step left')));
    expect(step.slice(0, 5)).toEqual([
      'One step left that no tool can do: apply config.json "permissions" from WeChat DevTools (until then these calls fail with -604101).',
      '  Needed now (created or recreated by this deploy):',
      '    getMonthlyRetain (analysis.getMonthlyRetain)',
      '    getMonthlyVisitTrend (analysis.getMonthlyVisitTrend)',
      '    syncMonthlyAnalytics (analysis.getMonthlyRetain, analysis.getMonthlyVisitTrend)',
    ]);
  });

  it('plans only the functions named by --only', async () => {
    const result = await deploy({ dryRun: true, projectRoot: project.root, only: ['syncMonthlyAnalytics'] }, quietDependencies());
    expect(result.staged.map((fn) => fn.name)).toEqual(['syncMonthlyAnalytics']);
  });
});

describe('deploy refuses to start', () => {
  const build = jest.fn(async () => undefined);
  let project: TempProject;
  beforeAll(() => {
    project = makeRealFunctionsProject();
    copyRepositoryCloudbaserc(project);
  });
  afterAll(() => project.remove());
  beforeEach(() => build.mockClear());

  it('without an environment id or API keys, naming each flag and variable, before building', async () => {
    const attempt = deploy({ projectRoot: project.root }, quietDependencies({ build }));
    await expect(attempt).rejects.toThrow(DeployError);
    await expect(attempt).rejects.toThrow(
      [
        'No cloud environment: pass --env ENV_ID or set WX_CLOUD_ENV (the environment id shown in the cloud console).',
        'No Tencent Cloud API keys: set TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY (and TENCENTCLOUD_SESSIONTOKEN for temporary keys) in your environment; ' +
          'create them in the Tencent Cloud console → 访问管理 → API 密钥管理 of the account that owns the environment (docs/deploy.md says how).',
      ].join('\n'),
    );
    expect(build).not.toHaveBeenCalled();
  });

  it('with an unknown --only name', async () => {
    await expect(deploy({ dryRun: true, projectRoot: project.root, only: ['getMonthlyRetian'] }, quietDependencies({ build }))).rejects.toThrow(
      '--only names unknown function getMonthlyRetian; the functions are componentEvents, getMonthlyRetain, getMonthlyVisitTrend, syncMonthlyAnalytics.',
    );
  });

  it('without cloudbaserc.json, or with a function folder it does not declare', async () => {
    const fixture = makeFixtureProject(['seeds-example']);
    try {
      await expect(deploy({ dryRun: true, projectRoot: fixture.root }, quietDependencies({ build }))).rejects.toThrow(`cloudbaserc.json is missing at ${fixture.root}`);
      writeCloudbaserc(fixture, [declare('other')]);
      await expect(deploy({ dryRun: true, projectRoot: fixture.root }, quietDependencies({ build }))).rejects.toThrow(
        'cloudbaserc.json declares no function seeds-example: add it to "functions" (runtime, timeout, memorySize, envVariables).\n' +
          'cloudbaserc.json declares other, but cloudfunctions/other does not exist: remove it or add the folder.',
      );
      writeFileSync(path.join(fixture.root, 'cloudbaserc.json'), '{ "version": "2.0", }');
      await expect(deploy({ dryRun: true, projectRoot: fixture.root }, quietDependencies({ build }))).rejects.toThrow(/^cloudbaserc.json is not strict JSON/);
    } finally {
      fixture.remove();
    }
    expect(build).not.toHaveBeenCalled();
  });
});

describe('deploy stops before changing anything', () => {
  let api: TencentCloudApi;
  beforeEach(async () => {
    api = await startTencentCloudApi({ environments: [{ envId: ENV_ID, region: 'ap-shanghai' }] });
  });
  afterEach(() => api.close());

  it('after a failed check, calling nothing', async () => {
    const project = makeFixtureProject(['seeds-example', 'missing-permission']);
    try {
      writeCloudbaserc(project, [declare('seeds-example', { installDependency: true }), declare('missing-permission', { installDependency: true })]);
      const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID));
      const result = await deploy({ projectRoot: project.root }, dependencies);
      expect(result.exitCode).toBe(1);
      expect(api.requests).toEqual([]);
      expect(dependencies.printed.join('\n')).toContain('missing-permission/config.json: add "analysis.getMonthlyVisitTrend" to permissions.openapi: index.js calls it');
      expect(dependencies.printed.at(-1)).toBe('Deploy stopped before changing anything: fix the problems above, then run npm run deploy again.');
    } finally {
      project.remove();
    }
  });

  it('when installDependency does not fit the folder\'s dependencies', async () => {
    const project = makeFixtureProject(['seeds-example']);
    try {
      writeCloudbaserc(project, [declare('seeds-example')]);
      const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID));
      expect((await deploy({ projectRoot: project.root }, dependencies)).exitCode).toBe(1);
      expect(api.requests).toEqual([]);
      expect(dependencies.printed.slice(-2)).toEqual([
        'seeds-example: package.json lists dependencies (wx-server-sdk) and cloudbaserc.json says installDependency false: bundle them into bundle.js, or set installDependency true.',
        'Deploy stopped before changing anything.',
      ]);
    } finally {
      project.remove();
    }
  });
});

describe('npm run deploy arguments', () => {
  it('names an unknown flag in one line that points at --help, and exits 2', async () => {
    const dependencies = quietDependencies();
    expect(await runDeployCommand(['--key', 'x'], dependencies)).toBe(2);
    expect(dependencies.printed).toEqual(['deploy: unknown option --key (see npm run deploy -- --help)']);
  });

  it('prints the usage for --help and exits 0', async () => {
    const dependencies = quietDependencies();
    expect(await runDeployCommand(['--help'], dependencies)).toBe(0);
    expect(dependencies.printed.join('\n')).toMatch(/^Usage: npm run deploy -- \[--dry-run\] \[--env ENV_ID\] \[--only name,...\] \[--recreate name,...\]/);
  });

  it('reads --dry-run, --env, --only and --recreate', () => {
    expect(parseDeployArgs(['--dry-run', '--env', ENV_ID, '--only', 'getMonthlyRetain, syncMonthlyAnalytics', '--recreate', 'getMonthlyRetain', '--recreate', 'syncMonthlyAnalytics'])).toEqual({
      dryRun: true,
      env: ENV_ID,
      only: ['getMonthlyRetain', 'syncMonthlyAnalytics'],
      recreate: ['getMonthlyRetain', 'syncMonthlyAnalytics'],
      help: false,
    });
  });

  it('prints what is missing and exits 1 before building', async () => {
    const build = jest.fn(async () => undefined);
    const dependencies = quietDependencies({ build });
    expect(await runDeployCommand([], dependencies)).toBe(1);
    expect(dependencies.printed.join('\n')).toMatch(/pass --env ENV_ID or set WX_CLOUD_ENV[\s\S]*set TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY/);
    expect(build).not.toHaveBeenCalled();
  });
});
