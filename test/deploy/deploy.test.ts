import { existsSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import path from 'path';
import { parseDeployArgs, runDeployCommand } from '../../scripts/deploy';
import { CiProjectOptions, DeployDependencies, DeployError, MiniprogramCi, TRIGGER_CREATED, deploy } from '../../scripts/deploy/deploy';
import { TempProject, makeFixtureProject, makeRealFunctionsProject } from '../fixtures/deploy/temp-project';

jest.setTimeout(60_000);

const APPID = 'wx0123456789abcdef';
const ENV_ID = 'analytics-prod-1a2b3c';
const FUNCTIONS = ['componentEvents', 'getMonthlyRetain', 'getMonthlyVisitTrend', 'syncMonthlyAnalytics'];
const ARCHIVE_REMINDER =
  'Reminder: the archive collection analytics_monthly (ANALYTICS_COLLECTION, default analytics_monthly) must allow no client read or write: ' +
  'cloud console → 数据库 → the collection → 数据权限 → 自定义安全规则 {"read": false, "write": false} (only the cloud functions use it). ' +
  'With WECHAT_TRANSPORT https or component, the same for wechat_tokens (WECHAT_TOKEN_COLLECTION) and wechat_authorizers (WECHAT_AUTHORIZER_COLLECTION): they hold tokens.';

interface RecordedUpload {
  project: object;
  env: string;
  name: string;
  remoteNpmInstall: boolean;
  stagedFiles: string[];
  stagedIndex: string;
  stagedDir: string;
}

/** A stand-in for miniprogram-ci that records what deploy asks of it. */
function stubMiniprogramCi(behaviour: { triggerAnswer?: string; failUploadOf?: string } = {}) {
  const projects: { instance: object; options: CiProjectOptions }[] = [];
  const uploads: RecordedUpload[] = [];
  const triggers: Parameters<MiniprogramCi['cloud']['createTimeTrigger']>[0][] = [];
  class Project {
    constructor(options: CiProjectOptions) {
      projects.push({ instance: this, options });
    }
  }
  const ci: MiniprogramCi = {
    Project,
    cloud: {
      async uploadFunction({ project, env, name, path: stagedDir, remoteNpmInstall }) {
        if (name === behaviour.failUploadOf) throw new Error('invalid ip 203.0.113.7, reference: 1234');
        const stagedFiles = readdirSync(stagedDir).sort();
        const stagedIndex = readFileSync(path.join(stagedDir, 'index.js'), 'utf8');
        uploads.push({ project, env, name, remoteNpmInstall, stagedFiles, stagedIndex, stagedDir });
        return { filesCount: stagedFiles.length, packSize: 4096 };
      },
      async createTimeTrigger(options) {
        triggers.push(options);
        return behaviour.triggerAnswer ?? TRIGGER_CREATED;
      },
    },
  };
  return { ci, projects, uploads, triggers };
}

function quietDependencies(extra: DeployDependencies = {}): DeployDependencies & { printed: string[] } {
  const printed: string[] = [];
  return { print: (line) => printed.push(line), environment: {}, ...extra, printed };
}

function forbidCi(): MiniprogramCi {
  throw new Error('miniprogram-ci must not be loaded here');
}

describe('deploy --dry-run', () => {
  let project: TempProject;
  beforeAll(() => {
    project = makeRealFunctionsProject();
  });
  afterAll(() => project.remove());

  it('builds, checks and prints the plan without credentials or miniprogram-ci', async () => {
    const dependencies = quietDependencies({ loadCi: forbidCi });
    const result = await deploy({ dryRun: true, projectRoot: project.root }, dependencies);

    expect(result.exitCode).toBe(0);
    expect(result.uploaded).toEqual([]);
    expect(result.plan.map((plan) => plan.name)).toEqual(FUNCTIONS);
    for (const plan of result.plan) {
      expect(plan.files.map((file) => file.file)).toEqual(['index.js', 'bundle.js', 'bundle.cache', 'config.json', 'package.json']);
      expect(existsSync(plan.stagedDir)).toBe(false);
    }
    const output = dependencies.printed.join('\n');
    expect(output).toMatch(/all checks pass\./);
    expect(output).toContain('Deploy plan: appid touristappid, environment (none given: --env ENV_ID or WX_CLOUD_ENV)');
    const size = String.raw`\d+(\.\d)? (B|KiB|MiB)`;
    expect(output).toMatch(new RegExp(`  getMonthlyRetain {6}${size} staged: index\\.js ${size}, bundle\\.js ${size}, bundle\\.cache ${size}, config\\.json ${size}, package\\.json ${size}\n`));
    expect(output).toMatch(new RegExp(`  syncMonthlyAnalytics  ${size} staged: index\\.js`));
    expect(output).toContain('permissions: analysis.getMonthlyRetain, analysis.getMonthlyVisitTrend');
    expect(output).toContain('trigger: dailyMonthlyAnalyticsSync (timer "0 0 10 * * * *")');
    expect(output).toContain('project.config.json has the placeholder appid "touristappid": set "appid"');
    expect(dependencies.printed.at(-1)).toBe('Dry run: nothing was uploaded. To deploy: npm run deploy -- --env ENV_ID --key path/to/private.key');
  });

  it('says that each function is one bundled index.js and nothing is installed in the cloud', async () => {
    const dependencies = quietDependencies({ loadCi: forbidCi });
    const result = await deploy({ dryRun: true, projectRoot: project.root }, dependencies);
    expect(result.plan.map((plan) => plan.dependencies)).toEqual([{}, {}, {}, {}]);
    const output = dependencies.printed.join('\n');
    expect(output).not.toMatch(/installs package\.json's dependencies/);
    expect(output).toContain(
      [
        'Each function is uploaded from a staged copy holding only index.js, bundle.js, bundle.cache, config.json and package.json (those it has).',
        'Each bundle.js is one self-contained bundle (wx-server-sdk included), index.js loads it through its V8 code cache bundle.cache,',
        'and package.json has no dependencies:',
        'nothing is installed in the cloud.',
      ].join('\n'),
    );
    expect(output.match(/dependencies: none: index\.js is self-contained, nothing is installed in the cloud/g)).toHaveLength(4);
  });

  it('names the dependencies the cloud installs for a function that has some', async () => {
    const fixture = makeFixtureProject(['seeds-example']);
    try {
      const dependencies = quietDependencies({ loadCi: forbidCi, build: async () => undefined });
      const result = await deploy({ dryRun: true, projectRoot: fixture.root }, dependencies);
      expect(result.exitCode).toBe(0);
      const output = dependencies.printed.join('\n');
      expect(output).toContain('dependencies: wx-server-sdk 4.0.2, installed by the cloud (remoteNpmInstall)');
      expect(output).not.toContain('nothing is installed in the cloud');
    } finally {
      fixture.remove();
    }
  });

  it('reminds that the archive collection allows no client read or write', async () => {
    const dependencies = quietDependencies({ loadCi: forbidCi });
    await deploy({ dryRun: true, projectRoot: project.root }, dependencies);
    expect(dependencies.printed).toContain(ARCHIVE_REMINDER);

    const named = quietDependencies({ loadCi: forbidCi, environment: { ANALYTICS_COLLECTION: 'stats_archive' } });
    await deploy({ dryRun: true, projectRoot: project.root, only: ['getMonthlyRetain'] }, named);
    expect(named.printed).toContainEqual(expect.stringMatching(/^Reminder: the archive collection stats_archive \(ANALYTICS_COLLECTION/));
  });

  it('plans only the functions named by --only', async () => {
    const dependencies = quietDependencies({ loadCi: forbidCi });
    const result = await deploy({ dryRun: true, projectRoot: project.root, only: ['syncMonthlyAnalytics'] }, dependencies);
    expect(result.plan.map((plan) => plan.name)).toEqual(['syncMonthlyAnalytics']);
  });
});

describe('deploy refuses to start', () => {
  const build = jest.fn(async () => undefined);
  let project: TempProject;
  beforeAll(() => {
    project = makeRealFunctionsProject();
  });
  afterAll(() => project.remove());
  beforeEach(() => build.mockClear());

  it('with the placeholder appid and no env or key, naming each flag and variable', async () => {
    const attempt = deploy({ projectRoot: project.root }, quietDependencies({ build, loadCi: forbidCi }));
    await expect(attempt).rejects.toThrow(DeployError);
    await expect(attempt).rejects.toThrow(
      [
        'project.config.json has the placeholder appid "touristappid": set "appid" to the Mini Program\'s AppID before deploying.',
        'No cloud environment: pass --env ENV_ID or set WX_CLOUD_ENV (the environment id shown in the cloud console).',
        'No code upload key: pass --key path/to/private.key or set WX_CI_PRIVATE_KEY_PATH (download it in the WeChat admin console: 开发管理 → 开发设置 → 小程序代码上传).',
      ].join('\n'),
    );
    expect(build).not.toHaveBeenCalled();
  });

  it('with a key file that does not exist', async () => {
    const realAppid = makeRealFunctionsProject(APPID);
    try {
      const missingKey = path.join(realAppid.root, 'missing.key');
      await expect(
        deploy({ projectRoot: realAppid.root, env: ENV_ID, keyPath: missingKey }, quietDependencies({ build, loadCi: forbidCi })),
      ).rejects.toThrow(`The code upload key ${missingKey} does not exist: fix --key or WX_CI_PRIVATE_KEY_PATH.`);
    } finally {
      realAppid.remove();
    }
  });

  it('with an unknown --only name', async () => {
    await expect(deploy({ dryRun: true, projectRoot: project.root, only: ['getMonthlyRetian'] }, quietDependencies({ build }))).rejects.toThrow(
      '--only names unknown function getMonthlyRetian; the functions are componentEvents, getMonthlyRetain, getMonthlyVisitTrend, syncMonthlyAnalytics.',
    );
  });
});

describe('deploy with miniprogram-ci (stubbed)', () => {
  let project: TempProject;
  let keyPath: string;
  beforeAll(() => {
    project = makeRealFunctionsProject(APPID);
    keyPath = path.join(project.root, 'private.test.key');
    writeFileSync(keyPath, 'not a real key\n');
  });
  afterAll(() => project.remove());

  it('uploads staged copies, creates the timer and tells which permissions to apply', async () => {
    const stub = stubMiniprogramCi();
    const dependencies = quietDependencies({ loadCi: () => stub.ci });
    const result = await deploy({ projectRoot: project.root, env: ENV_ID, keyPath }, dependencies);

    expect(result).toMatchObject({ exitCode: 0, uploaded: FUNCTIONS, failed: [], unconfirmedTriggers: [] });
    expect(stub.projects.map((created) => created.options)).toEqual([
      { appid: APPID, type: 'miniProgram', projectPath: project.root, privateKeyPath: keyPath, ignores: ['node_modules/**/*'] },
    ]);
    const project0 = stub.projects[0]?.instance;
    expect(stub.uploads.map(({ project: used, env, name, remoteNpmInstall, stagedFiles }) => ({ used, env, name, remoteNpmInstall, stagedFiles }))).toEqual(
      FUNCTIONS.map((name) => ({ used: project0, env: ENV_ID, name, remoteNpmInstall: true, stagedFiles: ['bundle.cache', 'bundle.js', 'config.json', 'index.js', 'package.json'] })),
    );
    for (const upload of stub.uploads) {
      expect(upload.stagedDir.startsWith(project.root)).toBe(false);
      expect(upload.stagedIndex).toBe(readFileSync(path.join(project.functionsRoot, upload.name, 'index.js'), 'utf8'));
      expect(existsSync(upload.stagedDir)).toBe(false);
    }
    expect(stub.triggers).toEqual([
      {
        project: project0,
        envId: ENV_ID,
        functionName: 'syncMonthlyAnalytics',
        triggersConfig: [{ name: 'dailyMonthlyAnalyticsSync', type: 'timer', config: '0 0 10 * * * *' }],
      },
    ]);

    const printed = dependencies.printed;
    expect(printed).toContain(ARCHIVE_REMINDER);
    expect(printed).toContain('Uploaded syncMonthlyAnalytics: 5 files, 4096 bytes packed.');
    expect(printed).toContain('Created trigger dailyMonthlyAnalyticsSync of syncMonthlyAnalytics ("0 0 10 * * * *").');
    const reminder = printed.slice(printed.findIndex((line) => line.startsWith('Permissions still to apply')));
    expect(reminder).toEqual([
      'Permissions still to apply: miniprogram-ci uploads code but not config.json "permissions", so until',
      'they are applied these functions fail their open-API calls with -604101:',
      '  getMonthlyRetain      analysis.getMonthlyRetain',
      '  getMonthlyVisitTrend  analysis.getMonthlyVisitTrend',
      '  syncMonthlyAnalytics  analysis.getMonthlyRetain, analysis.getMonthlyVisitTrend',
      `For each one: in WeChat DevTools open this project with environment ${ENV_ID}, right-click cloudfunctions/<name>`,
      'and choose "上传并部署：云端安装依赖" (it uploads the folder again and applies its config.json);',
      'or grant the same APIs to the function in the cloud console. WeChat picks the change up within about',
      '10 minutes. Needed once per function, and again whenever its permissions.openapi changes.',
      expect.stringMatching(/^A function that did not exist before was created by miniprogram-ci with runtime Nodejs8\.9/),
    ]);
  });

  it('reads the env and key from WX_CLOUD_ENV and WX_CI_PRIVATE_KEY_PATH', async () => {
    const stub = stubMiniprogramCi();
    const dependencies = quietDependencies({
      loadCi: () => stub.ci,
      environment: { WX_CLOUD_ENV: 'from-variable-env', WX_CI_PRIVATE_KEY_PATH: keyPath },
    });
    const result = await deploy({ projectRoot: project.root, only: ['getMonthlyRetain'] }, dependencies);
    expect(result.exitCode).toBe(0);
    expect(stub.uploads.map((upload) => [upload.name, upload.env])).toEqual([['getMonthlyRetain', 'from-variable-env']]);
    expect(stub.projects[0]?.options.privateKeyPath).toBe(keyPath);
    expect(stub.triggers).toEqual([]);
    expect(dependencies.printed).toContain('  getMonthlyRetain  analysis.getMonthlyRetain');
  });

  it('warns when miniprogram-ci does not confirm the trigger', async () => {
    const stub = stubMiniprogramCi({ triggerAnswer: '请检查传入的 triggersConfig 是否符合格式' });
    const dependencies = quietDependencies({ loadCi: () => stub.ci });
    const result = await deploy({ projectRoot: project.root, env: ENV_ID, keyPath, only: ['syncMonthlyAnalytics'] }, dependencies);
    expect(result).toMatchObject({ exitCode: 0, unconfirmedTriggers: ['syncMonthlyAnalytics'] });
    expect(dependencies.printed).toContainEqual(
      expect.stringMatching(/^! Trigger dailyMonthlyAnalyticsSync of syncMonthlyAnalytics was not confirmed \(miniprogram-ci: "请检查/),
    );
  });

  it('goes on after a failed upload, exits 1 and reminds only about what was uploaded', async () => {
    const stub = stubMiniprogramCi({ failUploadOf: 'getMonthlyVisitTrend' });
    const dependencies = quietDependencies({ loadCi: () => stub.ci });
    const result = await deploy({ projectRoot: project.root, env: ENV_ID, keyPath }, dependencies);
    expect(result.exitCode).toBe(1);
    expect(result.uploaded).toEqual(['componentEvents', 'getMonthlyRetain', 'syncMonthlyAnalytics']);
    expect(stub.triggers.map((trigger) => trigger.functionName)).toEqual(['syncMonthlyAnalytics']);
    expect(dependencies.printed).not.toContain('  getMonthlyVisitTrend  analysis.getMonthlyVisitTrend');
    expect(dependencies.printed.at(-1)).toBe(
      '✗ getMonthlyVisitTrend: upload failed (invalid ip 203.0.113.7, reference: 1234): check the env id, the upload key and the IP allowlist, then deploy again with --only getMonthlyVisitTrend',
    );
  });
});

describe('deploy after a failed check', () => {
  it('uploads nothing and shows the problems', async () => {
    const project = makeFixtureProject(['seeds-example', 'missing-permission'], APPID);
    try {
      writeFileSync(path.join(project.root, 'private.test.key'), 'not a real key\n');
      const stub = stubMiniprogramCi();
      const dependencies = quietDependencies({ loadCi: () => stub.ci });
      const result = await deploy({ projectRoot: project.root, env: ENV_ID, keyPath: path.join(project.root, 'private.test.key') }, dependencies);
      expect(result.exitCode).toBe(1);
      expect(stub.uploads).toEqual([]);
      expect(dependencies.printed.join('\n')).toContain(
        'missing-permission/config.json: add "analysis.getMonthlyVisitTrend" to permissions.openapi: index.js calls it',
      );
      expect(dependencies.printed.at(-1)).toBe('Deploy stopped before uploading anything: fix the problems above, then run npm run deploy again.');
    } finally {
      project.remove();
    }
  });
});

describe('npm run deploy arguments', () => {
  it('prints the usage for an unknown flag and exits 1', async () => {
    const dependencies = quietDependencies({ loadCi: forbidCi });
    expect(await runDeployCommand(['--envid', 'x'], dependencies)).toBe(1);
    expect(dependencies.printed.join('\n')).toMatch(/Unknown option '--envid'[\s\S]*Usage: npm run deploy -- \[--dry-run\] \[--env ENV_ID\]/);
  });

  it('reads --dry-run, --only, --env and --key', () => {
    expect(parseDeployArgs(['--dry-run', '--env', ENV_ID, '--key', 'keys/upload.key', '--only', 'getMonthlyRetain, syncMonthlyAnalytics'])).toEqual({
      dryRun: true,
      env: ENV_ID,
      keyPath: 'keys/upload.key',
      only: ['getMonthlyRetain', 'syncMonthlyAnalytics'],
      help: false,
    });
  });

  it('prints what is missing and exits 1 before building', async () => {
    const build = jest.fn(async () => undefined);
    const dependencies = quietDependencies({ build, loadCi: forbidCi });
    expect(await runDeployCommand([], dependencies)).toBe(1);
    expect(dependencies.printed.join('\n')).toMatch(/pass --env ENV_ID or set WX_CLOUD_ENV[\s\S]*pass --key path\/to\/private.key or set WX_CI_PRIVATE_KEY_PATH/);
    expect(build).not.toHaveBeenCalled();
  });
});
