import { existsSync, mkdtempSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import { buildFunctions } from '../build';
import { CheckFunctionOptions, REPOSITORY_ROOT, checkFunctions, checkProject, formatCheckReport } from './checks';
import { PLACEHOLDER_APPID, readProjectConfig } from './config';
import { FunctionPlan, formatPermissionReminder, formatPlan } from './plan';
import { listFunctionFolders } from '@wx-monthly-analytics/function-runner';
import { readFunctionDependencies, stageFunction } from './stage';

/** The variable read when `--env` is not given. */
export const ENV_VARIABLE = 'WX_CLOUD_ENV';
/** The variable read when `--key` is not given. */
export const KEY_VARIABLE = 'WX_CI_PRIVATE_KEY_PATH';
/** What miniprogram-ci's createTimeTrigger resolves with when the trigger was created. */
export const TRIGGER_CREATED = '创建定时触发器成功';

/** Options of miniprogram-ci's `Project`, as deploy fills them. */
export interface CiProjectOptions {
  appid: string;
  type: 'miniProgram';
  projectPath: string;
  privateKeyPath: string;
  ignores?: string[];
}

/** A trigger as miniprogram-ci's createTimeTrigger takes it: the entries of config.json `triggers`. */
export interface CiTriggerConfig {
  name: string;
  type: string;
  config: string;
}

/** The part of the `miniprogram-ci` module that deploy uses; tests pass a stub. */
export interface MiniprogramCi {
  Project: new (options: CiProjectOptions) => object;
  cloud: {
    uploadFunction(options: {
      project: object;
      env: string;
      name: string;
      path: string;
      remoteNpmInstall: boolean;
    }): Promise<{ filesCount: number; packSize: number }>;
    /** Resolves with {@link TRIGGER_CREATED}, or with a complaint instead of rejecting when WeChat refused. */
    createTimeTrigger(options: {
      project: object;
      envId: string;
      functionName: string;
      triggersConfig: CiTriggerConfig[];
    }): Promise<string>;
  };
}

/** The command-line choices of a deploy. */
export interface DeployOptions {
  /** Print the plan without credentials and upload nothing. */
  dryRun?: boolean;
  /** Cloud environment id; `WX_CLOUD_ENV` when absent. */
  env?: string;
  /** Path of the code upload key; `WX_CI_PRIVATE_KEY_PATH` when absent. */
  keyPath?: string;
  /** Deploy only these functions. */
  only?: string[];
  /** Folder holding project.config.json; the repository root by default. */
  projectRoot?: string;
}

/** What deploy reaches outside itself; each defaults to the real thing. */
export interface DeployDependencies {
  loadCi?: () => MiniprogramCi;
  build?: (functionsRoot: string) => Promise<unknown>;
  print?: (line: string) => void;
  /** Where `WX_CLOUD_ENV` and `WX_CI_PRIVATE_KEY_PATH` are read; `process.env` by default. */
  environment?: NodeJS.ProcessEnv;
  check?: CheckFunctionOptions;
}

/** How a deploy went. */
export interface DeployResult {
  exitCode: 0 | 1;
  plan: FunctionPlan[];
  uploaded: string[];
  failed: { name: string; message: string }[];
  /** Triggers that miniprogram-ci did not confirm as created. */
  unconfirmedTriggers: string[];
}

/** A mistake in how deploy was called or set up; its message says what to do. */
export class DeployError extends Error {
  override name = 'DeployError';
}

/** The real miniprogram-ci module, loaded only when something is uploaded (it is slow to load). */
export function loadMiniprogramCi(): MiniprogramCi {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first upload only: it is slow to load
  const ci: typeof import('miniprogram-ci') = require('miniprogram-ci');
  return ci;
}

/**
 * Builds, checks, stages and uploads the cloud functions with miniprogram-ci, creates their timer
 * triggers, and prints which permissions the user must still apply. With `dryRun` it prints the plan
 * and needs no credentials. Throws {@link DeployError} for a missing or wrong setting (appid, env, key,
 * `--only` name) before building; returns exit code 1 when a check or an upload fails.
 */
export async function deploy(options: DeployOptions = {}, dependencies: DeployDependencies = {}): Promise<DeployResult> {
  const print = dependencies.print ?? console.log;
  const environment = dependencies.environment ?? process.env;
  const projectRoot = path.resolve(options.projectRoot ?? REPOSITORY_ROOT);
  const result: DeployResult = { exitCode: 0, plan: [], uploaded: [], failed: [], unconfirmedTriggers: [] };

  const { config: project, problems: projectProblems } = readProjectConfig(projectRoot);
  if (project === undefined) {
    throw new DeployError(projectProblems.map((problem) => `project.config.json: ${problem}`).join('\n'));
  }
  const env = options.env ?? nonEmpty(environment[ENV_VARIABLE]);
  const keyPath = options.keyPath ?? nonEmpty(environment[KEY_VARIABLE]);
  const credentials = options.dryRun ? undefined : requireCredentials(project.appid, env, keyPath);

  const functionsRoot = path.join(projectRoot, project.cloudfunctionRoot);
  const names = selectFunctions(listFunctionFolders(functionsRoot), options.only);

  print('Building the functions…');
  await (dependencies.build ?? buildFunctions)(functionsRoot);
  const checks = await checkFunctions(functionsRoot, dependencies.check, names);
  const projectCheck = checkProject(projectRoot);
  print(formatCheckReport(projectCheck, checks));
  if (projectCheck.length > 0 || checks.some((check) => check.problems.length > 0)) {
    print('Deploy stopped before uploading anything: fix the problems above, then run npm run deploy again.');
    result.exitCode = 1;
    return result;
  }

  const stagingRoot = mkdtempSync(path.join(os.tmpdir(), 'deploy-functions-'));
  try {
    result.plan = checks.map((check) => ({
      name: check.name,
      stagedDir: path.join(stagingRoot, check.name),
      files: stageFunction(check.dir, path.join(stagingRoot, check.name)),
      openapi: check.declaredApis,
      trigger: check.trigger,
      dependencies: readFunctionDependencies(check.dir),
    }));
    const archiveCollection = nonEmpty(environment.ANALYTICS_COLLECTION);
    formatPlan({ appid: project.appid, env, ...(archiveCollection === undefined ? {} : { archiveCollection }) }, result.plan).forEach((line) => print(line));

    if (credentials === undefined) {
      if (project.appid === PLACEHOLDER_APPID) print(placeholderAppidMessage());
      print('After uploading, the permissions above must still be applied once from WeChat DevTools; deploy says how.');
      print('Dry run: nothing was uploaded. To deploy: npm run deploy -- --env ENV_ID --key path/to/private.key');
      return result;
    }
    const ci = (dependencies.loadCi ?? loadMiniprogramCi)();
    await upload(result, { ci, appid: project.appid, ...credentials, projectRoot, print });
  } finally {
    rmSync(stagingRoot, { recursive: true, force: true });
  }

  const uploadedPlans = result.plan.filter((plan) => result.uploaded.includes(plan.name));
  if (uploadedPlans.length > 0) {
    print('');
    formatPermissionReminder(uploadedPlans, credentials.env, project.cloudfunctionRoot.replace(/\/$/, '')).forEach((line) => print(line));
    print(
      'A function that did not exist before was created by miniprogram-ci with runtime Nodejs8.9 and a 3 s timeout: ' +
        'set a Node.js 16 or later runtime and its timeout in the cloud console.',
    );
  }
  for (const failure of result.failed) print(`✗ ${failure.name}: ${failure.message}`);
  result.exitCode = result.failed.length > 0 ? 1 : 0;
  return result;
}

async function upload(
  result: DeployResult,
  context: { ci: MiniprogramCi; appid: string; env: string; keyPath: string; projectRoot: string; print: (line: string) => void },
): Promise<void> {
  const { ci, env, print } = context;
  const project = new ci.Project({
    appid: context.appid,
    type: 'miniProgram',
    projectPath: context.projectRoot,
    privateKeyPath: context.keyPath,
    ignores: ['node_modules/**/*'],
  });
  for (const plan of result.plan) {
    try {
      print(`Uploading ${plan.name} to ${env}…`);
      const uploaded = await ci.cloud.uploadFunction({ project, env, name: plan.name, path: plan.stagedDir, remoteNpmInstall: true });
      result.uploaded.push(plan.name);
      print(`Uploaded ${plan.name}: ${uploaded.filesCount} files, ${uploaded.packSize} bytes packed.`);
    } catch (error) {
      result.failed.push({
        name: plan.name,
        message: `upload failed (${describe(error)}): check the env id, the upload key and the IP allowlist, then deploy again with --only ${plan.name}`,
      });
      continue;
    }
    if (plan.trigger === undefined) continue;
    const { name, type, config } = plan.trigger;
    try {
      const answer = await ci.cloud.createTimeTrigger({ project, envId: env, functionName: plan.name, triggersConfig: [{ name, type, config }] });
      if (answer === TRIGGER_CREATED) {
        print(`Created trigger ${name} of ${plan.name} ("${config}").`);
        continue;
      }
      result.unconfirmedTriggers.push(plan.name);
      print(
        `! Trigger ${name} of ${plan.name} was not confirmed (miniprogram-ci: "${answer}"). Expected if it already exists ` +
          `from an earlier deploy; otherwise check it in the cloud console, or right-click ${plan.name}/config.json in DevTools ` +
          'and choose "上传触发器".',
      );
    } catch (error) {
      result.failed.push({
        name: plan.name,
        message: `creating trigger ${name} failed (${describe(error)}): upload it from DevTools (right-click config.json, "上传触发器")`,
      });
    }
  }
}

function requireCredentials(appid: string, env: string | undefined, keyPath: string | undefined): { env: string; keyPath: string } {
  const missing: string[] = [];
  if (appid === PLACEHOLDER_APPID) missing.push(placeholderAppidMessage());
  if (env === undefined) {
    missing.push(`No cloud environment: pass --env ENV_ID or set ${ENV_VARIABLE} (the environment id shown in the cloud console).`);
  }
  if (keyPath === undefined) {
    missing.push(
      `No code upload key: pass --key path/to/private.key or set ${KEY_VARIABLE} ` +
        '(download it in the WeChat admin console: 开发管理 → 开发设置 → 小程序代码上传).',
    );
  } else if (!existsSync(keyPath)) {
    missing.push(`The code upload key ${keyPath} does not exist: fix --key or ${KEY_VARIABLE}.`);
  }
  if (missing.length > 0 || env === undefined || keyPath === undefined) throw new DeployError(missing.join('\n'));
  return { env, keyPath: path.resolve(keyPath) };
}

function placeholderAppidMessage(): string {
  return `project.config.json has the placeholder appid "${PLACEHOLDER_APPID}": set "appid" to the Mini Program's AppID before deploying.`;
}

function selectFunctions(available: string[], only: string[] | undefined): string[] {
  if (only === undefined || only.length === 0) return available;
  const unknown = only.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    throw new DeployError(`--only names unknown function${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; the functions are ${available.join(', ')}.`);
  }
  return available.filter((name) => only.includes(name));
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}
