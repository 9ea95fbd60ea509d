import { spawnSync } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import path from 'path';
import { REPO_ROOT } from '../helpers/cli';
import { TempProject, makeFixtureProject } from '../fixtures/deploy/temp-project';

jest.setTimeout(60_000);

/** `npm run check -- --root … --project … --no-build` on a temp project, spawned as npm runs it. */
function runCheck(project: TempProject): { exitCode: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'scripts/check.ts', '--root', project.functionsRoot, '--project', project.root, '--no-build'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    encoding: 'utf8',
    timeout: 50_000,
  });
  return { exitCode: run.status, stdout: run.stdout, stderr: run.stderr };
}

const problems = (stdout: string) => stdout.split('\n').filter((line) => line.startsWith('✗ '));

describe('npm run check on a broken config.json', () => {
  it('reports it as not JSON, with its line and column, and compares no permission', () => {
    const project = makeFixtureProject(['seeds-example']);
    try {
      const configFile = path.join(project.functionsRoot, 'seeds-example', 'config.json');
      writeFileSync(configFile, '{\n  "permissions": {\n    "openapi": ["analysis.getMonthlyRetain",]\n  }\n}\n');
      const { exitCode, stdout } = runCheck(project);
      expect(exitCode).toBe(1);
      expect(problems(stdout)).toEqual([
        `✗ ${path.relative(REPO_ROOT, configFile)}: it is not strict JSON at line 3, column 45 ("]" where a value should be): ` +
          'remove comments and trailing commas, put keys and strings in double quotes',
      ]);
      expect(stdout).toMatch(/^seeds-example +analysis.getMonthlyRetain +FAIL +- +- +ok +ok +1 problem$/m);
      expect(stdout).not.toContain('permissions.openapi');
    } finally {
      project.remove();
    }
  });
});

describe('npm run check on project.config.json', () => {
  it.each(['wx123', 'wx0123456789abcdef0', 'WX0123456789abcdef', 'tourist', 'wx0123456789abcde!'])('refuses the appid %j', (appid) => {
    const project = makeFixtureProject(['seeds-example'], appid);
    try {
      const { exitCode, stdout } = runCheck(project);
      expect(exitCode).toBe(1);
      expect(problems(stdout)).toEqual([
        `✗ ${path.relative(REPO_ROOT, path.join(project.root, 'project.config.json'))}: "appid" is ${JSON.stringify(appid)}, which is no AppID: ` +
          'set it to the Mini Program\'s (wx and 16 letters or digits, in the Mini Program admin console under 开发管理 → 开发设置), ' +
          'or to "touristappid" to open the project in DevTools without one',
      ]);
    } finally {
      project.remove();
    }
  });

  it.each(['wx0123456789abcdef', 'touristappid'])('passes the appid %j', (appid) => {
    const project = makeFixtureProject(['seeds-example'], appid);
    try {
      const { exitCode, stdout } = runCheck(project);
      expect(problems(stdout)).toEqual([]);
      expect(exitCode).toBe(0);
    } finally {
      project.remove();
    }
  });

  it('reports a project.config.json that is not JSON with its line and column', () => {
    const project = makeFixtureProject(['seeds-example']);
    try {
      const file = path.join(project.root, 'project.config.json');
      writeFileSync(file, readFileSync(file, 'utf8').replace('"appid"', '// no AppID yet\n  "appid"'));
      const { exitCode, stdout } = runCheck(project);
      expect(exitCode).toBe(1);
      expect(problems(stdout)).toEqual([
        `✗ ${path.relative(REPO_ROOT, file)}: it is not strict JSON at line 3, column 3 ("/" where a string in double quotes should be): ` +
          'remove comments and trailing commas, put keys and strings in double quotes',
      ]);
    } finally {
      project.remove();
    }
  });
});
