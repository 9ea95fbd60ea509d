import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'fs';
import os from 'os';
import path from 'path';
import { TencentCloudApi, startTencentCloudApi } from '@wx-monthly-analytics/cloudbase-emulator';
import { deploy } from '../../scripts/deploy/deploy';
import type { TempProject } from '../fixtures/deploy/temp-project';
import { actionsOf, declare, deployerEnvironment, fakeCloudDependencies, makeTinyProject } from './cloud-project';

const ENV_ID = 'analytics-prod-1a2b3c';
const REPOSITORY_ROOT = path.resolve(__dirname, '../..');
const CONSOLE_VARIABLES = [
  { Key: 'OPENAI_API_KEY', Value: 'sk-live-abc123' },
  { Key: 'WEBHOOK_TOKEN', Value: 'whk_987654' },
  { Key: 'CONSOLE_ONLY', Value: 'x' },
];
const BACKUP_NAME = /^deploy-report-variables-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.json$/;

describe('--recreate saves the variables the function carries before deleting it', () => {
  let api: TencentCloudApi;
  let project: TempProject;
  let backupDir: string;
  beforeEach(async () => {
    api = await startTencentCloudApi({ environments: [{ envId: ENV_ID, region: 'ap-shanghai' }] });
    project = makeTinyProject([{ name: 'report' }], [declare('report', { envVariables: { ANALYTICS_COLLECTION: 'stats_archive' } })]);
    api.seedFunction({ name: 'report', runtime: 'Nodejs8.9', variables: CONSOLE_VARIABLES });
    backupDir = mkdtempSync(path.join(os.tmpdir(), 'deploy-backup-test-'));
  });
  afterEach(async () => {
    project.remove();
    rmSync(backupDir, { recursive: true, force: true });
    await api.close();
  });

  function backups(): string[] {
    return readdirSync(backupDir);
  }

  it('by default in os.tmpdir(), outside the repository', () => {
    expect(path.relative(REPOSITORY_ROOT, os.tmpdir()).startsWith('..')).toBe(true);
  });

  it('when the creation fails after the delete: says it deleted it, prints the file and the names, never a value', async () => {
    api.planOutcome('report', 'CreateFunction', { status: 'CreateFailed', reads: 1, reasons: [{ ErrorCode: 'InternalError', ErrorMessage: 'quota exceeded' }] });
    const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID), { backupDir });
    const result = await deploy({ projectRoot: project.root, recreate: ['report'] }, dependencies);

    expect(result.exitCode).toBe(1);
    expect(actionsOf(api, 'report')).toContain('DeleteFunction');
    const [name] = backups();
    expect(name).toMatch(BACKUP_NAME);
    const file = path.join(backupDir, name ?? '');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ function: 'report', namespace: ENV_ID, runtime: 'Nodejs8.9', variables: CONSOLE_VARIABLES });

    const output = dependencies.printed.join('\n');
    for (const { Value } of CONSOLE_VARIABLES.slice(0, 2)) expect(output).not.toContain(Value);
    expect(output).toContain(`report: its environment variables (OPENAI_API_KEY, WEBHOOK_TOKEN, CONSOLE_ONLY) saved to ${file} (mode 0600), in case the creation fails.`);
    expect(result.failed).toEqual([
      {
        name: 'report',
        message:
          'The deploy deleted report (DeleteFunction succeeded), then this failed: report is CreateFailed after CreateFunction: [InternalError] quota exceeded. ' +
          'Nothing more was changed on it; fix the cause, then delete the function in the console and run npm run deploy -- --only report again (or deploy with --recreate report). ' +
          `Its 3 environment variables (OPENAI_API_KEY, WEBHOOK_TOKEN, CONSOLE_ONLY) are saved, values included, in ${file} (JSON, readable only by you; not printed here). ` +
          'To restore it: in the cloud console (云开发控制台 → 云函数 → 新建云函数) create report on Nodejs24.11, set those variables from the file, and upload the code from WeChat DevTools; ' +
          'or fix the cause and run npm run deploy -- --only report, which creates it with the variables cloudbaserc.json declares ' +
          '(those set only in the console must then be set again from the file). Delete the file once it is restored.',
      },
    ]);
    expect(result.failed[0]?.message).not.toMatch(/\.\./);
  });

  it('when CreateFunction is refused after the delete', async () => {
    api.failNext('CreateFunction', 'LimitExceeded.Function', 'function quota exceeded');
    const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID), { backupDir });
    const result = await deploy({ projectRoot: project.root, recreate: ['report'] }, dependencies);

    expect(api.functionNamed('report')).toBeUndefined();
    expect(backups()).toHaveLength(1);
    expect(result.failed[0]?.message).toMatch(
      /^The deploy deleted report \(DeleteFunction succeeded\), then this failed: CreateFunction failed: LimitExceeded\.Function: function quota exceeded \(RequestId [0-9a-f-]{36}\)\. Its 3 environment variables \(OPENAI_API_KEY, WEBHOOK_TOKEN, CONSOLE_ONLY\) are saved, values included, in /,
    );
    expect(dependencies.printed.join('\n')).not.toContain('sk-live-abc123');
  });

  it('removes the file once the function is created again with the variables', async () => {
    const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID), { backupDir });
    const result = await deploy({ projectRoot: project.root, recreate: ['report'] }, dependencies);

    expect(result.failed).toEqual([]);
    expect(api.functionNamed('report')?.variables).toEqual([...CONSOLE_VARIABLES, { Key: 'ANALYTICS_COLLECTION', Value: 'stats_archive' }]);
    expect(backups()).toEqual([]);
    const saved = dependencies.printed.find((line) => line.startsWith('report: its environment variables'));
    const file = /saved to (\S+) \(mode 0600\)/.exec(saved ?? '')?.[1] ?? '';
    expect(path.basename(file)).toMatch(BACKUP_NAME);
    expect(existsSync(file)).toBe(false);
    expect(dependencies.printed).toContain(`report: created again with its variables; ${file} removed.`);
  });

  it('does not delete the function when the file cannot be written', async () => {
    const missingDir = path.join(backupDir, 'missing');
    const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID), { backupDir: missingDir });
    const result = await deploy({ projectRoot: project.root, recreate: ['report'] }, dependencies);

    expect(actionsOf(api, 'report')).not.toContain('DeleteFunction');
    expect(api.functionNamed('report')?.runtime).toBe('Nodejs8.9');
    expect(result.failed[0]?.message).toMatch(
      /^report was not deleted: its environment variables could not be saved to \S+\/missing\/deploy-report-variables-\S+\.json first \(ENOENT\)\. Nothing was changed on it; make sure \S+\/missing exists and is writable \(or point TMPDIR at one that is\), then run npm run deploy -- --recreate report again\.$/,
    );
  });

  it('removes the file when DeleteFunction is refused (nothing was deleted)', async () => {
    api.failNext('DeleteFunction', 'FailedOperation.DeleteFunction', 'the function is busy');
    const dependencies = fakeCloudDependencies(api, deployerEnvironment(ENV_ID), { backupDir });
    const result = await deploy({ projectRoot: project.root, recreate: ['report'] }, dependencies);

    expect(api.functionNamed('report')?.runtime).toBe('Nodejs8.9');
    expect(backups()).toEqual([]);
    expect(result.failed[0]?.message).toMatch(
      /^DeleteFunction failed: FailedOperation\.DeleteFunction: the function is busy \(RequestId [0-9a-f-]{36}\)\. report was not deleted and nothing was changed on it; run npm run deploy -- --recreate report again once it is fixed\.$/,
    );
  });
});
