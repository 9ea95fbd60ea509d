import { mkdtempSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import { buildFunctions } from '../build';
import { applyPlan, type ApplyContext } from './apply';
import { FunctionPlan, StagedFunction, planFunction } from './changes';
import { CheckFunctionOptions, checkFunctions, checkProject, formatCheckReport, type FunctionCheckResult } from './checks';
import { ApiTransport, CloudApiError, DEFAULT_TCB_REGION, REGION_VARIABLE, createCloudApi, locateEnvironment, readCredentials, type ApiCredentials } from './cloud-api';
import { DeployError, FunctionDeployError } from './errors';
import { formatCollectionSecurityReminder, formatDeclaredPlan, formatFunctionPlan, formatPermissionStep } from './plan';
import { Clock, DEFAULT_POLL_INTERVAL_MS, DEFAULT_WAIT_BOUNDS, REAL_CLOCK, WaitBounds, readRemoteFunction } from './remote';
import { DeploySetup, DeployOptions, ENV_VARIABLE, placeholderAppidNote, readSetup } from './setup';
import { readFunctionDependencies, stageFunction } from './stage';
import { zipFolder, zipSizeProblem } from './zip';

export { DeployError } from './errors';
export { ENV_VARIABLE, type DeployOptions } from './setup';

/** What deploy reaches outside itself; each defaults to the real thing. */
export interface DeployDependencies {
  build?: (functionsRoot: string) => Promise<unknown>;
  print?: (line: string) => void;
  /** Where the keys, `WX_CLOUD_ENV` and `{{env.NAME}}` values are read; `process.env` by default. */
  environment?: NodeJS.ProcessEnv;
  check?: CheckFunctionOptions;
  /** Where the API requests go (tests: a local fake). */
  transport?: ApiTransport;
  clock?: Clock;
  pollIntervalMs?: number;
  waitBounds?: Partial<WaitBounds>;
  /** Where --recreate saves a function's variables before deleting it; os.tmpdir() by default. */
  backupDir?: string;
}

/** How a deploy went. */
export interface DeployResult {
  exitCode: 0 | 1;
  staged: StagedFunction[];
  /** Decided from the platform's state; empty when it was not read. */
  plans: FunctionPlan[];
  deployed: { name: string; action: FunctionPlan['action'] }[];
  failed: { name: string; message: string }[];
}

function stage(checks: FunctionCheckResult[], setup: DeploySetup): StagedFunction[] {
  const root = mkdtempSync(path.join(os.tmpdir(), 'deploy-functions-'));
  try {
    return checks.map((check) => {
      const stagedDir = path.join(root, check.name);
      const files = stageFunction(check.dir, stagedDir);
      const declared = setup.functions.find((fn) => fn.name === check.name);
      if (declared === undefined) throw new DeployError(`${check.name} is not declared in cloudbaserc.json`);
      const timers = check.trigger === undefined ? [] : [check.trigger];
      return { name: check.name, declared, openapi: check.declaredApis, timers, files, zip: zipFolder(stagedDir, files.map((file) => file.file)) };
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Whether cloudbaserc.json's installDependency fits the folder: a cloud npm install exactly when package.json lists dependencies. */
function installProblem(check: FunctionCheckResult, setup: DeploySetup): string | undefined {
  const dependencies = Object.keys(readFunctionDependencies(check.dir));
  const install = setup.functions.find((fn) => fn.name === check.name)?.installDependency;
  if (dependencies.length > 0 && install === false) {
    return `${check.name}: package.json lists dependencies (${dependencies.join(', ')}) and cloudbaserc.json says installDependency false: bundle them into bundle.js, or set installDependency true.`;
  }
  if (dependencies.length === 0 && install === true) {
    return `${check.name}: cloudbaserc.json says installDependency true, but package.json lists no dependencies (the bundle holds everything): set it to false.`;
  }
  return undefined;
}

async function readPlans(staged: StagedFunction[], setup: DeploySetup, credentials: ApiCredentials, env: string, dependencies: DeployDependencies, dryRun: boolean) {
  const environment = dependencies.environment ?? process.env;
  const tcbRegion = environment[REGION_VARIABLE]?.trim() || DEFAULT_TCB_REGION;
  const location = await locateEnvironment(createCloudApi('tcb', tcbRegion, credentials, dependencies.transport, true), env);
  const scf = createCloudApi('scf', location.region, credentials, dependencies.transport, dryRun);
  const plans: FunctionPlan[] = [];
  for (const fn of staged) {
    const remote = await readRemoteFunction(scf, location.namespace, fn.name).catch((error: unknown) => {
      throw new DeployError(`Could not read ${fn.name} (${error instanceof Error ? error.message : String(error)}): nothing was changed.`);
    });
    plans.push(planFunction(fn, remote, setup.recreate.includes(fn.name), environment));
  }
  return { location, scf, plans };
}

/**
 * What a failure says: a {@link FunctionDeployError}'s message as it is (a recreate's, from applyPlan,
 * says whether the function was deleted and where its variables are); an API error with what to do.
 */
function failureMessage(plan: FunctionPlan, error: unknown): string {
  if (error instanceof FunctionDeployError) return error.message;
  return `${error instanceof Error ? error.message : String(error)}; run npm run deploy -- --only ${plan.name} again once it is fixed`;
}

/** The dry run's last line without the platform read: what a comparison needs, naming only what is missing. */
function unreadFooter(environment: NodeJS.ProcessEnv, env: string | undefined): string {
  const { missing } = readCredentials(environment);
  const id = `an environment id (--env ENV_ID or ${ENV_VARIABLE})`;
  const compares = 'the dry run compares with what each function has.';
  if (missing.length === 0) return `The API keys are set, but there is no environment id: with ${id}, ${compares}`;
  return `With ${missing.join(' and ')} set${env === undefined ? ` and ${id}` : ''}, ${compares}`;
}

async function applyAll(plans: FunctionPlan[], context: ApplyContext, result: DeployResult): Promise<void> {
  for (const plan of plans) {
    if (plan.action === 'refused') {
      result.failed.push({ name: plan.name, message: `${plan.name} was left alone: ${plan.refusal ?? ''}` });
      continue;
    }
    try {
      await applyPlan(plan, context);
      result.deployed.push({ name: plan.name, action: plan.action });
    } catch (error) {
      if (!(error instanceof FunctionDeployError || error instanceof CloudApiError)) throw error;
      result.failed.push({ name: plan.name, message: failureMessage(plan, error) });
    }
  }
}

function printSummary(result: DeployResult, setup: DeploySetup, env: string, print: (line: string) => void, collection: string | undefined): void {
  const byName = (names: string[]) => result.staged.filter((fn) => names.includes(fn.name));
  const fresh = result.deployed.filter((done) => done.action !== 'update').map((done) => done.name);
  const updated = result.deployed.filter((done) => done.action === 'update').map((done) => done.name);
  print('');
  if (result.deployed.length > 0) print(`Deployed to ${env}: ${result.deployed.map((done) => `${done.name} (${done.action === 'update' ? 'updated' : `${done.action}d`})`).join(', ')}.`);
  for (const name of result.deployed.filter((done) => done.action === 'recreate').map((done) => done.name)) {
    print(`${name} was recreated: the permissions DevTools had applied went with the deleted function, so the DevTools step below is needed again.`);
  }
  if (result.deployed.length > 0) formatPermissionStep(byName(fresh), byName(updated), env, setup.functionsFolder).forEach((line) => print(line));
  placeholderAppidNote(setup.appid).forEach((line) => print(line));
  print(formatCollectionSecurityReminder(collection));
  for (const failure of result.failed) print(`✗ ${failure.message}`);
}

/**
 * Builds, checks, stages and zips the cloud functions, reads each one's state (tcb DescribeEnvs for the
 * region and namespace; SCF GetFunction, ListTriggers, GetFunctionEventInvokeConfig), prints per
 * function what it will do, then creates or updates it: code (InstallDependency FALSE for a bundled
 * folder), runtime at creation, time limit, memory, merged variables, retry count and timers. Ends with
 * the one manual step (permissions from DevTools). With `dryRun` it changes nothing (its SCF client
 * refuses writes) and, without keys, prints the declared plan only.
 *
 * @throws {DeployError} for a wrong setting, before building, or when the environment cannot be read
 * @returns exit code 1 when a check fails, a zip is too large, or a function is refused or fails
 */
export async function deploy(options: DeployOptions = {}, dependencies: DeployDependencies = {}): Promise<DeployResult> {
  const print = dependencies.print ?? console.log;
  const environment = dependencies.environment ?? process.env;
  const setup = readSetup(options, environment);
  const result: DeployResult = { exitCode: 0, staged: [], plans: [], deployed: [], failed: [] };
  const fail = (lines: string[]) => (lines.forEach((line) => print(line)), { ...result, exitCode: 1 as const });

  print('Building the functions…');
  await (dependencies.build ?? buildFunctions)(setup.functionsRoot);
  const names = setup.functions.map((fn) => fn.name);
  const checks = await checkFunctions(setup.functionsRoot, dependencies.check, names);
  const projectCheck = checkProject(setup.projectRoot);
  print(formatCheckReport(projectCheck, checks));
  if (projectCheck.length > 0 || checks.some((check) => check.problems.length > 0)) return fail(['Deploy stopped before changing anything: fix the problems above, then run npm run deploy again.']);
  result.staged = stage(checks, setup);
  const stagingProblems = [...checks.map((check) => installProblem(check, setup)), ...result.staged.map((fn) => zipSizeProblem(fn.name, fn.zip))];
  const problems = stagingProblems.filter((problem): problem is string => problem !== undefined);
  if (problems.length > 0) return fail([...problems, 'Deploy stopped before changing anything.']);

  const { env, credentials } = setup;
  if (env === undefined || credentials === undefined) {
    print(`Deploy plan (declared in cloudbaserc.json and config.json; the current state was not read: ${setup.unreadReason ?? ''}):`);
    result.staged.forEach((fn) => formatDeclaredPlan(fn, environment).forEach((line) => print(line)));
    placeholderAppidNote(setup.appid).forEach((line) => print(line));
    print(formatCollectionSecurityReminder(environment.ANALYTICS_COLLECTION));
    print(`Dry run: nothing was changed, and the current state was not read. ${unreadFooter(environment, env)}`);
    return result;
  }
  const { location, scf, plans } = await readPlans(result.staged, setup, credentials, env, dependencies, options.dryRun === true);
  result.plans = plans;
  print(`Deploy plan for environment ${env} (region ${location.region}, namespace ${location.namespace}), from its current state:`);
  plans.forEach((plan) => formatFunctionPlan(plan).forEach((line) => print(line)));
  if (options.dryRun) {
    print('Dry run: nothing was changed (only DescribeEnvs, GetFunction, ListTriggers and GetFunctionEventInvokeConfig were called).');
    result.exitCode = plans.some((plan) => plan.action === 'refused') ? 1 : 0;
    return result;
  }
  const clock = dependencies.clock ?? REAL_CLOCK;
  const context: ApplyContext = { scf, namespace: location.namespace, clock, pollMs: dependencies.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, bounds: { ...DEFAULT_WAIT_BOUNDS, ...dependencies.waitBounds }, print, ...(dependencies.backupDir === undefined ? {} : { backupDir: dependencies.backupDir }) };
  await applyAll(plans, context, result);
  const collection = plans.flatMap((plan) => plan.variables).find((variable) => variable.Key === 'ANALYTICS_COLLECTION')?.Value;
  printSummary(result, setup, env, print, collection ?? environment.ANALYTICS_COLLECTION);
  result.exitCode = result.failed.length > 0 ? 1 : 0;
  return result;
}
