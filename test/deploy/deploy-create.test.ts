import { unzipSync } from 'fflate';
import { TencentCloudApi, startTencentCloudApi } from '@wx-monthly-analytics/cloudbase-emulator';
import { deploy } from '../../scripts/deploy/deploy';
import { UPLOADED_FILES } from '../../scripts/deploy/stage';
import type { TempProject } from '../fixtures/deploy/temp-project';
import { actionsOf, declare, deployerEnvironment, fakeCloudDependencies, makeTinyProject } from './cloud-project';

const ENV_ID = 'analytics-prod-1a2b3c';
const APPSECRET = '0123456789abcdef0123456789abcdef';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

describe('deploy creates a missing function', () => {
  let api: TencentCloudApi;
  let project: TempProject;
  beforeEach(async () => {
    api = await startTencentCloudApi({ environments: [{ envId: ENV_ID, region: 'ap-guangzhou' }], settleReads: 2 });
    project = makeTinyProject(
      [{ name: 'syncJob', openapi: ['analysis.getMonthlyRetain'], trigger: { name: 'dailySync', config: '0 0 10 * * * *' } }],
      [
        declare('syncJob', {
          timeout: 60,
          retryCount: 1,
          envVariables: {
            ANALYTICS_COLLECTION: 'stats_archive',
            ANALYTICS_ADMIN_OPENIDS: '{{env.ANALYTICS_ADMIN_OPENIDS}}',
            WECHAT_APPSECRET: '{{env.WECHAT_APPSECRET}}',
            WECHAT_COMPONENT_AES_KEY: '{{env.WECHAT_COMPONENT_AES_KEY}}',
            WECHAT_TRANSPORT: '{{env.WECHAT_TRANSPORT}}',
          },
        }),
      ],
    );
  });
  afterEach(async () => {
    project.remove();
    await api.close();
  });

  it('on the declared runtime, time limit, memory and variables, with no cloud install, its timer and retry count', async () => {
    const environment = deployerEnvironment(ENV_ID, { ANALYTICS_ADMIN_OPENIDS: 'oAdmin1,oAdmin2', WECHAT_APPSECRET: APPSECRET, WECHAT_COMPONENT_AES_KEY: AES_KEY });
    const dependencies = fakeCloudDependencies(api, environment);
    const result = await deploy({ projectRoot: project.root }, dependencies);

    expect(result.failed).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(api.requests.every((request) => request.authorized)).toBe(true);
    expect(actionsOf(api)).toEqual([
      'DescribeEnvs',
      'GetFunction',
      'CreateFunction',
      'GetFunction',
      'GetFunction',
      'GetFunction',
      'GetFunctionEventInvokeConfig',
      'UpdateFunctionEventInvokeConfig',
      'CreateTrigger',
    ]);
    const create = api.requests.find((request) => request.action === 'CreateFunction');
    expect(create?.region).toBe('ap-guangzhou');
    expect(create?.params).toMatchObject({
      FunctionName: 'syncJob',
      Namespace: ENV_ID,
      Runtime: 'Nodejs24.11',
      Handler: 'index.main',
      Timeout: 60,
      MemorySize: 256,
      InstallDependency: 'FALSE',
      Role: 'TCB_QcsRole',
      Stamp: 'MINI_QCBASE',
      Environment: {
        Variables: [
          { Key: 'ANALYTICS_COLLECTION', Value: 'stats_archive' },
          { Key: 'ANALYTICS_ADMIN_OPENIDS', Value: 'oAdmin1,oAdmin2' },
          { Key: 'WECHAT_APPSECRET', Value: APPSECRET },
          { Key: 'WECHAT_COMPONENT_AES_KEY', Value: AES_KEY },
        ],
      },
    });
    const zip = unzipSync(Buffer.from(String((create?.params.Code as { ZipFile: string }).ZipFile), 'base64'));
    expect(Object.keys(zip).sort()).toEqual(UPLOADED_FILES.filter((file) => !file.startsWith('bundle')).sort());
    expect(Buffer.from(zip['index.js'] ?? []).toString()).toContain("exports.main = async () => APIS;");
    expect(api.requests.find((request) => request.action === 'CreateTrigger')?.params).toMatchObject({ TriggerName: 'dailySync', Type: 'timer', TriggerDesc: '0 0 10 * * * *' });
    expect(api.requests.find((request) => request.action === 'UpdateFunctionEventInvokeConfig')?.params).toMatchObject({
      AsyncTriggerConfig: { RetryConfig: [{ RetryNum: 1 }], MsgTTL: 21_600 },
    });

    const created = api.functionNamed('syncJob', ENV_ID);
    expect(created).toMatchObject({ runtime: 'Nodejs24.11', timeout: 60, memorySize: 256, installDependency: 'FALSE', status: 'Active', retryNum: 1 });
    expect(created?.timers).toEqual([{ name: 'dailySync', cron: '0 0 10 * * * *', enabled: true }]);

    const output = dependencies.printed.join('\n');
    expect(output).not.toContain(APPSECRET);
    expect(output).not.toContain(AES_KEY);
    expect(output).not.toContain(environment.TENCENTCLOUD_SECRETKEY);
    expect(output).toContain('syncJob: create on Nodejs24.11');
    expect(output).toContain('+ WECHAT_APPSECRET = <redacted> (from $WECHAT_APPSECRET)');
    expect(output).toContain('+ WECHAT_COMPONENT_AES_KEY = <redacted> (from $WECHAT_COMPONENT_AES_KEY)');
    expect(output).toContain('+ ANALYTICS_COLLECTION = "stats_archive"');
    expect(output).toContain('? not set (no value in your environment, none on the function): WECHAT_TRANSPORT');
    expect(output).toContain('create dailySync "0 0 10 * * * *"');
    expect(output).toContain('  Needed now (created or recreated by this deploy):\n    syncJob (analysis.getMonthlyRetain)');
  });
});
