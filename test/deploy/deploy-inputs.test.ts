import http from 'http';
import type { AddressInfo } from 'net';
import { FAKE_TENCENT_CLOUD_CREDENTIALS, TencentCloudApi, startTencentCloudApi } from '@wx-monthly-analytics/cloudbase-emulator';
import { parseDeployArgs, runDeployCommand } from '../../scripts/deploy';
import { DeployError, deploy } from '../../scripts/deploy/deploy';
import type { TempProject } from '../fixtures/deploy/temp-project';
import { deployerEnvironment, fakeCloudDependencies, makeTinyProject } from './cloud-project';

const ENV_ID = 'analytics-prod-1a2b3c';
const KEYS = { TENCENTCLOUD_SECRETID: FAKE_TENCENT_CLOUD_CREDENTIALS.secretId, TENCENTCLOUD_SECRETKEY: FAKE_TENCENT_CLOUD_CREDENTIALS.secretKey };

describe('deploy checks its inputs before any request', () => {
  let api: TencentCloudApi;
  let project: TempProject;
  beforeEach(async () => {
    api = await startTencentCloudApi({ environments: [{ envId: ENV_ID, region: 'ap-shanghai' }] });
    project = makeTinyProject([{ name: 'report' }, { name: 'other' }]);
  });
  afterEach(async () => {
    project.remove();
    await api.close();
  });

  it.each([
    ['--env', 'bad!env'],
    ['--env', 'prod 1a2b3c'],
    ['--env', '-prod'],
    ['--env', 'a'.repeat(65)],
    ['WX_CLOUD_ENV', 'bad!env'],
  ])('%s %s is refused, naming --env and WX_CLOUD_ENV, before building or calling anything', async (where, env) => {
    const build = jest.fn(async () => undefined);
    const environment = where === '--env' ? deployerEnvironment(ENV_ID) : deployerEnvironment(env);
    const options = where === '--env' ? { env } : {};
    for (const dryRun of [false, true]) {
      const attempt = deploy({ projectRoot: project.root, dryRun, ...options }, fakeCloudDependencies(api, environment, { build }));
      await expect(attempt).rejects.toThrow(DeployError);
      await expect(attempt).rejects.toThrow(
        `${where} is ${JSON.stringify(env)}, which is not a CloudBase environment id: an id is letters, digits and hyphens, at most 64 characters ` +
          '(e.g. prod-1a2b3c; copy it from the cloud console). Fix --env or WX_CLOUD_ENV; nothing was sent.',
      );
    }
    expect(build).not.toHaveBeenCalled();
    expect(api.requests).toEqual([]);
  });

  it('accepts an id of 64 letters, digits and hyphens', async () => {
    const env = `prod-${'a1'.repeat(29)}b`;
    expect(env).toHaveLength(64);
    const attempt = deploy({ projectRoot: project.root, env }, fakeCloudDependencies(api, deployerEnvironment(ENV_ID)));
    await expect(attempt).rejects.toThrow(`These API keys see no environment ${env} with cloud functions`);
  });

  it('--only with an empty list is an error, not "deploy everything"', async () => {
    const build = jest.fn(async () => undefined);
    for (const value of [',', ' , ', '']) {
      expect(parseDeployArgs(['--only', value]).only).toEqual([]);
      const printed: string[] = [];
      expect(await runDeployCommand(['--only', value], { print: (line) => printed.push(line), environment: deployerEnvironment(ENV_ID), build })).toBe(1);
      expect(printed).toEqual([
        '--only names no function: give one or more of componentEvents, getMonthlyRetain, getMonthlyVisitTrend, syncMonthlyAnalytics, comma-separated (or leave --only out to deploy them all).',
      ]);
    }
    expect(build).not.toHaveBeenCalled();
    await expect(deploy({ projectRoot: project.root, only: [] }, fakeCloudDependencies(api, deployerEnvironment(ENV_ID), { build }))).rejects.toThrow(
      '--only names no function: give one or more of other, report, comma-separated (or leave --only out to deploy them all).',
    );
    expect(api.requests).toEqual([]);
  });
});

describe('the dry run\'s footer names what is missing', () => {
  let project: TempProject;
  beforeAll(() => {
    project = makeTinyProject([{ name: 'report' }]);
  });
  afterAll(() => project.remove());

  it.each([
    ['the keys set, no environment id', { ...KEYS }, 'The API keys are set, but there is no environment id: with an environment id (--env ENV_ID or WX_CLOUD_ENV), the dry run compares with what each function has.'],
    ['an environment id, no keys', { WX_CLOUD_ENV: ENV_ID }, 'With TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY set, the dry run compares with what each function has.'],
    ['an environment id and the secret id', { WX_CLOUD_ENV: ENV_ID, TENCENTCLOUD_SECRETID: KEYS.TENCENTCLOUD_SECRETID }, 'With TENCENTCLOUD_SECRETKEY set, the dry run compares with what each function has.'],
    [
      'neither',
      {},
      'With TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY set and an environment id (--env ENV_ID or WX_CLOUD_ENV), the dry run compares with what each function has.',
    ],
  ])('with %s', async (_, environment, footer) => {
    const printed: string[] = [];
    await deploy({ dryRun: true, projectRoot: project.root }, { print: (line) => printed.push(line), environment, build: async () => undefined });
    expect(printed.at(-1)).toBe(`Dry run: nothing was changed, and the current state was not read. ${footer}`);
  });
});

describe('a DescribeEnvs that reaches no API is not blamed on the keys', () => {
  let project: TempProject;
  beforeAll(() => {
    project = makeTinyProject([{ name: 'report' }]);
  });
  afterAll(() => project.remove());

  async function attempt(endpoint: string, agent?: http.Agent, timeoutSeconds = 5): Promise<string> {
    const printed: string[] = [];
    const transport = { protocol: 'http://', endpoint: () => endpoint, timeoutSeconds, ...(agent === undefined ? {} : { agent }) };
    try {
      await deploy({ projectRoot: project.root, dryRun: true }, { print: (line) => printed.push(line), environment: deployerEnvironment(ENV_ID), build: async () => undefined, transport });
    } catch (error) {
      expect(error).toBeInstanceOf(DeployError);
      return (error as Error).message;
    }
    throw new Error('the deploy did not fail');
  }

  function expectUnreachable(message: string, reason: RegExp): void {
    expect(message).toMatch(new RegExp(`^Could not reach the Tencent Cloud API to read environment ${ENV_ID} \\(DescribeEnvs failed: .*${reason.source}.*\\): the request got no answer, so the keys were not checked either\\. `));
    expect(message).toMatch(/Check this machine's network connection, DNS and any proxy or firewall on the way to tcb\.tencentcloudapi\.com, then run the deploy again; nothing was changed\.$/);
    expect(message).not.toContain('TENCENTCLOUD_SECRETID');
  }

  it('connection refused', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expectUnreachable(await attempt(`127.0.0.1:${port}`), /ECONNREFUSED/);
  });

  it('a name that does not resolve', async () => {
    const api = await startTencentCloudApi();
    try {
      expectUnreachable(await attempt('tcb.example.invalid', api.agent), /ENOTFOUND|EAI_AGAIN/);
    } finally {
      await api.close();
    }
  });

  it('no answer within the timeout', async () => {
    const server = http.createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      expectUnreachable(await attempt(`127.0.0.1:${(server.address() as AddressInfo).port}`, undefined, 1), /timeout/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
