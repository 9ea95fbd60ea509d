import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';
import { buildFunctions } from '../../scripts/build';
import { stageFunction } from '../../scripts/deploy/stage';
import { runCheckCommand } from '../../scripts/check';
import { CheckProblem, FunctionCheckResult, checkFunction, checkFunctions, checkProject, formatCheckReport } from '../../scripts/deploy/checks';
import { TempProject, makeFixtureProject, makeRealFunctionsProject } from '../fixtures/deploy/temp-project';

const FIXTURES = path.resolve(__dirname, '../fixtures/deploy');
const FIXTURE_FUNCTIONS = path.join(FIXTURES, 'functions');
const REPOSITORY_ROOT = path.resolve(__dirname, '../..');
const REMINDER =
  'Reminder: the archive collection analytics_monthly (ANALYTICS_COLLECTION, default analytics_monthly) must allow no client read or write: ' +
  'cloud console → 数据库 → the collection → 数据权限 → 自定义安全规则 {"read": false, "write": false} (only the cloud functions use it). ' +
  'With WECHAT_TRANSPORT https or component, the same for wechat_tokens (WECHAT_TOKEN_COLLECTION) and wechat_authorizers (WECHAT_AUTHORIZER_COLLECTION): they hold tokens.';

jest.setTimeout(60_000);

function problemLines(result: { problems: CheckProblem[] }): string[] {
  return result.problems.map((problem) => `${problem.check} ${path.basename(problem.file)}: ${problem.message}`);
}

function checkFixture(name: string): Promise<FunctionCheckResult> {
  return checkFunction(path.join(FIXTURE_FUNCTIONS, name));
}

describe('checkFunction on the broken fixtures', () => {
  it('passes the seeds example, which loads wx-server-sdk from a clean copy', async () => {
    const result = await checkFixture('seeds-example');
    expect(result.problems).toEqual([]);
    expect(result.calledApis).toEqual(['analysis.getMonthlyRetain']);
    expect(result.contents).toEqual({ uploaded: ['config.json', 'index.js', 'package.json'], sources: [], stray: [] });
  });

  it('fails a missing permission', async () => {
    const result = await checkFixture('missing-permission');
    expect(problemLines(result)).toEqual([
      'permissions config.json: add "analysis.getMonthlyVisitTrend" to permissions.openapi: index.js calls it',
    ]);
    expect(result.outcome.permissions).toBe('failed');
  });

  it('fails an extra permission', async () => {
    expect(problemLines(await checkFixture('extra-permission'))).toEqual([
      'permissions config.json: remove "analysis.getMonthlyVisitTrend" from permissions.openapi: index.js never calls it',
    ]);
  });

  it('fails a bad cron', async () => {
    expect(problemLines(await checkFixture('bad-cron'))).toEqual([
      'trigger config.json: triggers[0].config "0 0 10 * * 7 *" is not a valid cron: week "7": 7 is outside 0-6',
    ]);
  });

  it('fails a bad trigger name', async () => {
    expect(problemLines(await checkFixture('bad-trigger-name'))).toEqual([
      'trigger config.json: triggers[0].name "1 daily sync" is not a valid trigger name: use a letter, then letters, digits, _ or - (60 at most)',
    ]);
  });

  it('fails a stray config key', async () => {
    expect(problemLines(await checkFixture('stray-config-key'))).toEqual([
      'config config.json: "timeout" is not a key WeChat reads: remove it (top-level keys: permissions, triggers); declare it in cloudbaserc.json instead (npm run deploy applies it)',
    ]);
  });

  it('fails a require of a file outside the folder, which loads in place', async () => {
    expect(() => require(path.join(FIXTURE_FUNCTIONS, 'requires-outside'))).not.toThrow();
    expect(problemLines(await checkFixture('requires-outside'))).toEqual([
      'load index.js: it requires "../../lib/helper", which is not uploaded (only index.js, bundle.js, bundle-lazy.js, config.json, package.json are): bundle it into index.js (npm run build bundles what index.ts imports)',
    ]);
  });

  it('fails a require of a package missing from the package.json, which loads in place', async () => {
    expect(() => require(path.join(FIXTURE_FUNCTIONS, 'requires-unlisted'))).not.toThrow();
    expect(problemLines(await checkFixture('requires-unlisted'))).toEqual([
      'load package.json: index.js requires the package "json-bigint", which is not in "dependencies": add it there (the cloud installs only those) or bundle it into index.js',
    ]);
  });

  it('fails a stray file', async () => {
    const result = await checkFixture('stray-file');
    expect(problemLines(result)).toEqual([
      'files notes.md: move it out of the folder or delete it: only index.js, bundle.js, bundle-lazy.js, config.json, package.json reach the cloud',
    ]);
    expect(result.contents.stray).toEqual(['notes.md']);
  });

  it('leaves no temp copies behind', async () => {
    const privateTemp = mkdtempSync(path.join(os.tmpdir(), 'deploy-test-tmpdir-'));
    const previousTmpdir = process.env.TMPDIR;
    process.env.TMPDIR = privateTemp;
    try {
      await checkFunctions(FIXTURE_FUNCTIONS, {}, ['seeds-example', 'requires-outside']);
      expect(readdirSync(privateTemp)).toEqual([]);
    } finally {
      if (previousTmpdir === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previousTmpdir;
      rmSync(privateTemp, { recursive: true, force: true });
    }
  });
});

describe('checkFunction on altered copies', () => {
  let project: TempProject;
  const copyOf = (name: string) => path.join(project.functionsRoot, name);

  beforeEach(() => {
    project = makeFixtureProject(['seeds-example']);
  });
  afterEach(() => project.remove());

  it('flags node_modules in the folder', async () => {
    mkdirSync(path.join(copyOf('seeds-example'), 'node_modules'));
    expect(problemLines(await checkFunction(copyOf('seeds-example')))).toEqual([
      'files node_modules: delete it: the cloud installs the package.json dependencies itself',
    ]);
  });

  it('flags node_modules in a bundled folder whose package.json lists no dependencies', async () => {
    mkdirSync(path.join(copyOf('seeds-example'), 'node_modules'));
    writeFileSync(path.join(copyOf('seeds-example'), 'package.json'), JSON.stringify({ name: 'seeds-example', dependencies: {} }));
    writeFileSync(path.join(copyOf('seeds-example'), 'index.js'), "exports.main = async () => 'bundled';\n");
    writeFileSync(path.join(copyOf('seeds-example'), 'config.json'), '{ "permissions": { "openapi": [] } }');
    expect(problemLines(await checkFunction(copyOf('seeds-example')))).toEqual([
      'files node_modules: delete it: package.json lists no dependencies, so index.js needs no installed package',
    ]);
  });

  it('keeps TypeScript sources out without complaint', async () => {
    writeFileSync(path.join(copyOf('seeds-example'), 'index.ts'), 'export {};\n');
    const result = await checkFunction(copyOf('seeds-example'));
    expect(result.problems).toEqual([]);
    expect(result.contents.sources).toEqual(['index.ts']);
  });

  it('fails a config.json with a comment and skips the permission comparison', async () => {
    writeFileSync(path.join(copyOf('seeds-example'), 'config.json'), '{\n  // cloud calls\n  "permissions": { "openapi": [] }\n}\n');
    const result = await checkFunction(copyOf('seeds-example'));
    expect(problemLines(result)).toEqual([
      'config config.json: it is not strict JSON at line 2, column 3 ("/" where a string in double quotes should be): remove comments and trailing commas, put keys and strings in double quotes',
    ]);
    expect(result.outcome.permissions).toBe('skipped');
  });

  it('fails a dependency whose installed version does not satisfy the declared one', async () => {
    writeFileSync(path.join(copyOf('seeds-example'), 'package.json'), JSON.stringify({ dependencies: { 'wx-server-sdk': '~2.6.3' } }));
    expect(problemLines(await checkFunction(copyOf('seeds-example')))).toEqual([
      'load package.json: "wx-server-sdk" is installed as 4.0.2, which does not satisfy "~2.6.3": give both package.json files the same version, or check with --install',
    ]);
  });

  it('fails an index.js that does not export main', async () => {
    writeFileSync(path.join(copyOf('seeds-example'), 'index.js'), "exports.handler = async () => 'hi';\n");
    writeFileSync(path.join(copyOf('seeds-example'), 'config.json'), '{ "permissions": { "openapi": [] } }');
    expect(problemLines(await checkFunction(copyOf('seeds-example')))).toEqual([
      'load index.js: it does not export main as a function (main is undefined): add exports.main = async (event, context) => {...}',
    ]);
  });

  it('loads without the developer\'s environment variables', async () => {
    process.env.DEPLOY_TEST_SECRET = 'from the developer';
    try {
      writeFileSync(
        path.join(copyOf('seeds-example'), 'index.js'),
        "if (process.env.DEPLOY_TEST_SECRET) throw new Error('saw ' + process.env.DEPLOY_TEST_SECRET);\nexports.main = async () => process.env.TZ;\n",
      );
      writeFileSync(path.join(copyOf('seeds-example'), 'config.json'), '{ "permissions": { "openapi": [] } }');
      expect((await checkFunction(copyOf('seeds-example'))).problems).toEqual([]);
    } finally {
      delete process.env.DEPLOY_TEST_SECRET;
    }
  });

  it.each(['0 0 10 * * MON-FRI *', '0 0 10 1 JAN * *', '0 0 10 * * mon-fri 2024-2099'])('passes a documented cron such as %s', async (cron) => {
    const config = { permissions: { openapi: ['analysis.getMonthlyRetain'] }, triggers: [{ name: 'daily', type: 'timer', config: cron }] };
    writeFileSync(path.join(copyOf('seeds-example'), 'config.json'), JSON.stringify(config));
    const result = await checkFunction(copyOf('seeds-example'));
    expect(result.problems).toEqual([]);
    expect(result.trigger).toEqual({ name: 'daily', type: 'timer', config: cron });
  });

  it('fails a 5-field cron and shows the seven-field one', async () => {
    const config = { permissions: { openapi: ['analysis.getMonthlyRetain'] }, triggers: [{ name: 'daily', type: 'timer', config: '0 10 * * *' }] };
    writeFileSync(path.join(copyOf('seeds-example'), 'config.json'), JSON.stringify(config));
    expect(problemLines(await checkFunction(copyOf('seeds-example')))).toEqual([
      'trigger config.json: triggers[0].config "0 10 * * *" is not a valid cron: it has 5 fields; WeChat needs 7 fields: second minute hour day month week year; did you mean "0 0 10 * * * *" (a 5-field cron is minute hour day month week: add the second before and the year after)?',
    ]);
  });

  it('asks for a build when index.js is missing next to index.ts', async () => {
    writeFileSync(path.join(copyOf('seeds-example'), 'index.ts'), 'export {};\n');
    rmSync(path.join(copyOf('seeds-example'), 'index.js'));
    const result = await checkFunction(copyOf('seeds-example'));
    expect(problemLines(result)).toEqual(['load index.js: it is missing: run npm run build']);
    expect(result.outcome.permissions).toBe('skipped');
  });
});

describe('checkProject', () => {
  it('passes the repository, placeholder appid included', () => {
    expect(checkProject(REPOSITORY_ROOT)).toEqual([]);
  });

  it('fails a project whose cloudfunctionRoot is not cloudfunctions/', () => {
    expect(checkProject(path.join(FIXTURES, 'wrong-root-project'))).toEqual([
      {
        check: 'project',
        file: path.join(FIXTURES, 'wrong-root-project', 'project.config.json'),
        message: '"cloudfunctionRoot" is "functions/": set it to "cloudfunctions/" so DevTools finds the functions',
      },
    ]);
  });
});

describe('the real functions', () => {
  let project: TempProject;

  beforeAll(async () => {
    project = makeRealFunctionsProject();
    await buildFunctions(project.functionsRoot);
  });
  afterAll(() => project.remove());

  it('pass every check after buildFunctions()', async () => {
    const results = await checkFunctions(project.functionsRoot);
    expect(results.map((result) => [result.name, result.problems])).toEqual([
      ['componentEvents', []],
      ['getMonthlyRetain', []],
      ['getMonthlyVisitTrend', []],
      ['syncMonthlyAnalytics', []],
    ]);
    expect(results.map((result) => result.calledApis)).toEqual([
      [],
      ['analysis.getMonthlyRetain'],
      ['analysis.getMonthlyVisitTrend'],
      ['analysis.getMonthlyRetain', 'analysis.getMonthlyVisitTrend'],
    ]);
    expect(results[3]?.trigger).toEqual({ name: 'dailyMonthlyAnalyticsSync', type: 'timer', config: '0 0 10 * * * *' });
    expect(results.every((result) => result.contents.sources.join() === 'index.ts')).toBe(true);
    expect(checkProject(project.root)).toEqual([]);
  });

  it('report as a table', async () => {
    const report = formatCheckReport([], await checkFunctions(project.functionsRoot), project.root);
    expect(report.split('\n')).toEqual([
      expect.stringMatching(/^function +open APIs +config +permissions +trigger +load +files +result$/),
      expect.stringMatching(/^componentEvents +- +ok +ok +- +ok +ok +ok$/),
      expect.stringMatching(/^getMonthlyRetain +analysis.getMonthlyRetain +ok +ok +- +ok +ok +ok$/),
      expect.stringMatching(/^getMonthlyVisitTrend +analysis.getMonthlyVisitTrend +ok +ok +- +ok +ok +ok$/),
      expect.stringMatching(/^syncMonthlyAnalytics +analysis.getMonthlyRetain, analysis.getMonthlyVisitTrend +ok +ok +ok +ok +ok +ok$/),
      '',
      'project.config.json and 4 functions: all checks pass.',
    ]);
  });
});

describe('npm run check', () => {
  it('prints the table and exits 1 on the fixtures, naming each file and fix', async () => {
    const printed: string[] = [];
    const exitCode = await runCheckCommand(
      ['--root', FIXTURE_FUNCTIONS, '--project', path.join(FIXTURES, 'wrong-root-project'), '--no-build'],
      (text) => printed.push(text),
    );
    expect(exitCode).toBe(1);
    const lines = printed.join('\n').split('\n');
    expect(lines.filter((line) => line.startsWith('✗ '))).toHaveLength(9);
    expect(lines).toContainEqual(expect.stringMatching(/^✗ .*wrong-root-project\/project.config.json: "cloudfunctionRoot" is "functions\/"/));
    expect(lines).toContainEqual(expect.stringMatching(/^✗ .*functions\/bad-cron\/config.json: triggers\[0\].config/));
    expect(lines).toContainEqual(expect.stringMatching(/^seeds-example +analysis.getMonthlyRetain +ok +ok +- +ok +ok +ok$/));
    expect(lines.at(-2)).toBe('9 problems: fix them, then run npm run check again.');
    expect(lines.at(-1)).toBe(REMINDER);
  });

  it('exits 0 when everything passes', async () => {
    const project = makeFixtureProject(['seeds-example']);
    try {
      const printed: string[] = [];
      expect(await runCheckCommand(['--root', project.functionsRoot, '--project', project.root], (text) => printed.push(text), {})).toBe(0);
      expect(printed.join('\n')).toMatch(/all checks pass\.\n/);
      expect(printed.at(-1)).toBe(REMINDER);
    } finally {
      project.remove();
    }
  });

  it('names the ANALYTICS_COLLECTION the functions are given in the reminder', async () => {
    const project = makeFixtureProject(['seeds-example']);
    try {
      const printed: string[] = [];
      const argv = ['--root', project.functionsRoot, '--project', project.root, '--no-build'];
      expect(await runCheckCommand(argv, (text) => printed.push(text), { ANALYTICS_COLLECTION: 'stats_archive' })).toBe(0);
      expect(printed.at(-1)).toMatch(/^Reminder: the archive collection stats_archive \(ANALYTICS_COLLECTION, default analytics_monthly\) must allow no client read or write/);
    } finally {
      project.remove();
    }
  });
});

describe('checkFunction on a built function', () => {
  let scratch: string;
  const copyOfBuilt = (label: string) => {
    const dir = path.join(scratch, label, 'getMonthlyRetain');
    stageFunction(path.join(REPOSITORY_ROOT, 'cloudfunctions', 'getMonthlyRetain'), dir);
    return dir;
  };

  beforeAll(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'check-built-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('passes the built folder: the loader and its bundle, nothing else', async () => {
    const result = await checkFunction(copyOfBuilt('as-built'));
    expect(result.problems).toEqual([]);
    expect(result.contents.uploaded).toEqual(['bundle-lazy.js', 'bundle.js', 'config.json', 'index.js', 'package.json']);
    expect(result.calledApis).toEqual(['analysis.getMonthlyRetain']);
  });

  it('fails a folder without bundle-lazy.js, which loads and answers until a deferred SDK module is first used', async () => {
    const dir = copyOfBuilt('no-lazy-bundle');
    rmSync(path.join(dir, 'bundle-lazy.js'));
    expect(problemLines(await checkFunction(dir))).toEqual([
      'files bundle-lazy.js: it is missing: bundle.js requires it on the first use of an SDK module it defers; run npm run build (it writes index.js, bundle.js and bundle-lazy.js) and upload them together',
    ]);
  });

  it('fails a folder whose loader finds no bundle', async () => {
    const dir = copyOfBuilt('no-bundle');
    rmSync(path.join(dir, 'bundle.js'));
    // The APIs it calls are read from bundle.js too: without it, config.json seems to grant one too many.
    expect(problemLines(await checkFunction(dir))).toEqual([
      'permissions config.json: remove "analysis.getMonthlyRetain" from permissions.openapi: index.js never calls it',
      'load bundle.js: it is missing: the loader index.js loads it; run npm run build (it writes both)',
    ]);
  });
});
