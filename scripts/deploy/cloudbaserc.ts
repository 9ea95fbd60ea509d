import { existsSync, readFileSync } from 'fs';
import path from 'path';
import { declaredRuntimeProblem } from './runtime';
import { ENV_TEMPLATE, isSecretName, looksLikeSecret } from './variables';

/**
 * The one declared place of what each cloud function runs with: `cloudbaserc.json` at the project root,
 * in the @cloudbase/cli 2.0 format (`tcb fn deploy` reads the same file), plus one key of ours,
 * `retryCount`, that the tcb toolchain ignores (@cloudbase/manager-node 5.6.5 `configToParams` copies only
 * the keys of its whitelist to the API). Timer triggers are not here: WeChat DevTools reads them from each
 * function's config.json, and so does the deploy.
 */
export const CLOUDBASERC_FILE = 'cloudbaserc.json';

/** The longest time limit of a function in a WeChat cloud environment, in seconds. */
export const MAX_TIMEOUT_SECONDS = 60;
/** The most retries SCF allows for a failed asynchronous (timer) run (AsyncTriggerConfig.RetryConfig.RetryNum). */
export const MAX_RETRY_COUNT = 2;
/** The handler every function has: index.js exports `main`. */
export const HANDLER = 'index.main';

/** One function as cloudbaserc.json declares it. */
export interface DeclaredFunction {
  name: string;
  /** The runtime a new function is created on (an existing one keeps its own). */
  runtime: string;
  /** Time limit, seconds (1-60). */
  timeout: number;
  /** Memory, MB. */
  memorySize: number;
  handler: string;
  /** Whether the cloud runs npm install; false for a bundled folder (nothing to install). */
  installDependency: boolean;
  /** Files `tcb fn deploy` leaves out; npm run deploy uploads the staged files only. */
  ignore: string[];
  /** Literal values or `{{env.NAME}}`. */
  envVariables: Record<string, string>;
  /** Retries of a failed timer run (0-2); left as the function has it when absent. */
  retryCount?: number;
}

/** cloudbaserc.json as read. */
export interface DeployConfig {
  /** As written: an id, or `{{env.WX_CLOUD_ENV}}`. */
  envId: string;
  functionRoot: string;
  functions: DeclaredFunction[];
}

const TOP_KEYS = ['version', 'envId', 'functionRoot', 'functions'];
const FUNCTION_KEYS = ['name', 'runtime', 'timeout', 'memorySize', 'installDependency', 'handler', 'ignore', 'envVariables', 'retryCount'];
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInteger(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function variableProblems(where: string, variables: unknown): string[] {
  if (!isObject(variables)) return [`${where}.envVariables must be an object of strings`];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(variables)) {
    const at = `${where}.envVariables.${key}`;
    if (!VARIABLE_NAME.test(key)) problems.push(`${at}: not a valid variable name (letters, digits and _, not starting with a digit)`);
    if (typeof value !== 'string') {
      problems.push(`${at} must be a string`);
    } else if (ENV_TEMPLATE.test(value)) {
      continue;
    } else if (value.includes('{{')) {
      problems.push(`${at}: a value from your environment is the whole value "{{env.NAME}}", nothing around it`);
    } else if (isSecretName(key) || looksLikeSecret(value)) {
      problems.push(`${at} holds a literal secret: a secret is never written in the repository; write "{{env.${key}}}" and export ${key} where you deploy`);
    }
  }
  return problems;
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isObject(value) && Object.values(value).every((item) => typeof item === 'string');
}

function readFunction(where: string, entry: Record<string, unknown>): { declared?: DeclaredFunction; problems: string[] } {
  const problems = Object.keys(entry)
    .filter((key) => !FUNCTION_KEYS.includes(key))
    .map((key) => (key === 'triggers' ? `${where}.triggers: timer triggers stay in the function's config.json (WeChat DevTools reads them there): remove it` : `${where}.${key} is not supported by npm run deploy: remove it (keys: ${FUNCTION_KEYS.join(', ')})`));
  const { name, runtime, timeout, memorySize, handler, installDependency, ignore = [], envVariables = {}, retryCount } = entry;
  const runtimeProblem = typeof runtime === 'string' ? declaredRuntimeProblem(runtime) : 'must be a runtime name such as "Nodejs24.11"';
  if (typeof name !== 'string' || name === '') problems.push(`${where}.name must be the function's folder name`);
  if (runtimeProblem !== undefined) problems.push(`${where}.runtime ${runtimeProblem}`);
  if (!isInteger(timeout, 1, MAX_TIMEOUT_SECONDS)) problems.push(`${where}.timeout must be whole seconds from 1 to ${MAX_TIMEOUT_SECONDS} (a WeChat environment's limit)`);
  if (!isInteger(memorySize, 64, 3072) || (memorySize !== 64 && memorySize % 128 !== 0)) problems.push(`${where}.memorySize must be 64 or a multiple of 128 MB up to 3072`);
  if (handler !== HANDLER) problems.push(`${where}.handler must be "${HANDLER}" (index.js exports main)`);
  if (typeof installDependency !== 'boolean') problems.push(`${where}.installDependency must be true or false`);
  if (!isStringList(ignore)) problems.push(`${where}.ignore must be a list of patterns`);
  problems.push(...variableProblems(where, envVariables));
  if (retryCount !== undefined && !isInteger(retryCount, 0, MAX_RETRY_COUNT)) problems.push(`${where}.retryCount must be 0, 1 or ${MAX_RETRY_COUNT}`);
  const valid = problems.length === 0 && typeof name === 'string' && typeof runtime === 'string' && isInteger(timeout, 1, MAX_TIMEOUT_SECONDS);
  if (!valid || !isInteger(memorySize, 64, 3072) || typeof installDependency !== 'boolean' || !isStringList(ignore) || !isStringRecord(envVariables)) return { problems };
  const retry = isInteger(retryCount, 0, MAX_RETRY_COUNT) ? { retryCount } : {};
  return { declared: { name, runtime, timeout, memorySize, handler: HANDLER, installDependency, ignore, envVariables, ...retry }, problems };
}

/**
 * Reads and checks `cloudbaserc.json` in `projectRoot`. Returns the declared functions when it is
 * valid, else one problem per mistake, each saying what to change. A literal secret (a value of a
 * secret variable, or a value shaped like one) is a problem: secrets come from the deployer's environment.
 */
export function readDeployConfig(projectRoot: string): { config?: DeployConfig; problems: string[] } {
  const file = path.join(projectRoot, CLOUDBASERC_FILE);
  if (!existsSync(file)) return { problems: [`${CLOUDBASERC_FILE} is missing at ${projectRoot}: it declares each function's runtime, time limit, memory and variables`] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return { problems: [`${CLOUDBASERC_FILE} is not strict JSON (${error instanceof Error ? error.message : String(error)})`] };
  }
  if (!isObject(parsed)) return { problems: [`${CLOUDBASERC_FILE} must be a JSON object`] };
  const problems = Object.keys(parsed)
    .filter((key) => !TOP_KEYS.includes(key))
    .map((key) => `${CLOUDBASERC_FILE}: "${key}" is not supported by npm run deploy: remove it (keys: ${TOP_KEYS.join(', ')})`);
  const { version, envId, functionRoot, functions } = parsed;
  if (version !== '2.0') problems.push(`${CLOUDBASERC_FILE}: "version" must be "2.0" (the @cloudbase/cli format)`);
  if (typeof envId !== 'string' || envId === '') problems.push(`${CLOUDBASERC_FILE}: "envId" must be an environment id or "{{env.WX_CLOUD_ENV}}"`);
  if (typeof functionRoot !== 'string') problems.push(`${CLOUDBASERC_FILE}: "functionRoot" must be "./cloudfunctions"`);
  if (!Array.isArray(functions) || functions.length === 0) problems.push(`${CLOUDBASERC_FILE}: "functions" must list the functions`);
  const declared: DeclaredFunction[] = [];
  (Array.isArray(functions) ? functions : []).forEach((entry: unknown, index) => {
    const where = `${CLOUDBASERC_FILE} functions[${index}]`;
    if (!isObject(entry)) return problems.push(`${where} must be an object`);
    const read = readFunction(typeof entry.name === 'string' ? `${where} (${entry.name})` : where, entry);
    problems.push(...read.problems);
    if (read.declared === undefined) return;
    const { name } = read.declared;
    if (declared.some((other) => other.name === name)) return problems.push(`${where}: ${name} is declared twice`);
    declared.push(read.declared);
  });
  if (problems.length > 0 || typeof envId !== 'string' || typeof functionRoot !== 'string') return { problems };
  return { config: { envId, functionRoot, functions: declared }, problems };
}

/** The environment id cloudbaserc.json names, `{{env.NAME}}` read from `environment`; undefined when unset. */
export function resolveEnvId(config: DeployConfig, environment: NodeJS.ProcessEnv): string | undefined {
  const template = ENV_TEMPLATE.exec(config.envId)?.[1];
  const value = template === undefined ? config.envId : environment[template];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
