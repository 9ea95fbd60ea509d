import path from 'path';
import { listFunctionFolders } from '@wx-monthly-analytics/function-runner';
import { REPOSITORY_ROOT } from './checks';
import { ApiCredentials, CREDENTIAL_VARIABLES, readCredentials } from './cloud-api';
import { CLOUDBASERC_FILE, DeclaredFunction, readDeployConfig, resolveEnvId } from './cloudbaserc';
import { PLACEHOLDER_APPID, readProjectConfig } from './config';
import { DeployError } from './errors';

/** The variable read when `--env` is not given (cloudbaserc.json's envId is `{{env.WX_CLOUD_ENV}}`). */
export const ENV_VARIABLE = 'WX_CLOUD_ENV';

/** The command-line choices of a deploy. */
export interface DeployOptions {
  /** Read the platform (with credentials) and print what would change; change nothing. */
  dryRun?: boolean;
  /** Cloud environment id; cloudbaserc.json's envId (`WX_CLOUD_ENV`) when absent. */
  env?: string;
  /** Deploy only these functions. */
  only?: string[];
  /** Delete and create these functions again (to move them to the declared runtime). */
  recreate?: string[];
  /** Folder holding project.config.json and cloudbaserc.json; the repository root by default. */
  projectRoot?: string;
}

/** Everything a deploy knows before it builds. */
export interface DeploySetup {
  projectRoot: string;
  appid: string;
  functionsRoot: string;
  /** `cloudfunctions` (for messages). */
  functionsFolder: string;
  /** The functions to deploy, in folder order, with their declarations. */
  functions: DeclaredFunction[];
  recreate: string[];
  env?: string;
  credentials?: ApiCredentials;
  /** Why the platform cannot be read (a dry run without keys or environment), when it cannot. */
  unreadReason?: string;
}

/**
 * A CloudBase environment id: letters, digits and hyphens, at most 64 characters, starting with a letter
 * or digit (`prod-1a2b3c`). Neither @cloudbase/manager-node 5.6.5 nor the tcb CLI checks the id before
 * sending it, so this rule is the shape of the ids CloudBase gives, not one copied from its toolchain.
 */
export const ENV_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;

/** What is wrong with `env` as an environment id, naming where it came from, or undefined. */
export function envIdProblem(env: string, from: 'option' | 'variable'): string | undefined {
  if (ENV_ID_PATTERN.test(env)) return undefined;
  const where = from === 'option' ? '--env' : ENV_VARIABLE;
  return (
    `${where} is ${JSON.stringify(env)}, which is not a CloudBase environment id: an id is letters, digits and hyphens, at most 64 characters ` +
    `(e.g. prod-1a2b3c; copy it from the cloud console). Fix --env or ${ENV_VARIABLE}; nothing was sent.`
  );
}

function selectFunctions(available: string[], only: string[] | undefined): string[] {
  if (only === undefined) return available;
  if (only.length === 0) throw new DeployError(`--only names no function: give one or more of ${available.join(', ')}, comma-separated (or leave --only out to deploy them all).`);
  const unknown = only.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    throw new DeployError(`--only names unknown function${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; the functions are ${available.join(', ')}.`);
  }
  return available.filter((name) => only.includes(name));
}

function missingSettings(env: string | undefined, missingKeys: string[]): string[] {
  const missing: string[] = [];
  if (env === undefined) missing.push(`No cloud environment: pass --env ENV_ID or set ${ENV_VARIABLE} (the environment id shown in the cloud console).`);
  if (missingKeys.length > 0) {
    missing.push(
      `No Tencent Cloud API keys: set ${missingKeys.join(' and ')} (and ${CREDENTIAL_VARIABLES.token} for temporary keys) in your environment; ` +
        'create them in the Tencent Cloud console → 访问管理 → API 密钥管理 of the account that owns the environment (docs/deploy.md says how).',
    );
  }
  return missing;
}

/**
 * Reads project.config.json and cloudbaserc.json, the environment id and the API keys, and which
 * functions to deploy.
 *
 * @throws {DeployError} for a missing or wrong setting, before anything is built: no cloudbaserc.json or
 * a mistake in it (a literal secret included), a function folder it does not declare, no environment id
 * or keys (unless a dry run), an environment id that is not one (letters, digits, hyphens), an empty
 * or unknown `--only` or `--recreate` name
 */
export function readSetup(options: DeployOptions, environment: NodeJS.ProcessEnv): DeploySetup {
  const projectRoot = path.resolve(options.projectRoot ?? REPOSITORY_ROOT);
  const { config: project, problems: projectProblems } = readProjectConfig(projectRoot);
  if (project === undefined) throw new DeployError(projectProblems.map((problem) => `project.config.json: ${problem}`).join('\n'));
  const { config, problems } = readDeployConfig(projectRoot);
  if (config === undefined) throw new DeployError(problems.join('\n'));
  const functionsFolder = project.cloudfunctionRoot.replace(/\/$/, '');
  if (path.posix.normalize(config.functionRoot).replace(/\/$/, '') !== functionsFolder) {
    throw new DeployError(`${CLOUDBASERC_FILE}: "functionRoot" is "${config.functionRoot}": set it to "./${functionsFolder}", the cloudfunctionRoot of project.config.json.`);
  }
  const functionsRoot = path.join(projectRoot, functionsFolder);
  const folders = listFunctionFolders(functionsRoot);
  const undeclared = folders.filter((name) => !config.functions.some((fn) => fn.name === name));
  const orphans = config.functions.filter((fn) => !folders.includes(fn.name)).map((fn) => fn.name);
  if (undeclared.length > 0 || orphans.length > 0) {
    const lines = [
      ...undeclared.map((name) => `${CLOUDBASERC_FILE} declares no function ${name}: add it to "functions" (runtime, timeout, memorySize, envVariables).`),
      ...orphans.map((name) => `${CLOUDBASERC_FILE} declares ${name}, but ${functionsFolder}/${name} does not exist: remove it or add the folder.`),
    ];
    throw new DeployError(lines.join('\n'));
  }
  const names = selectFunctions(folders, options.only);
  const recreate = options.recreate ?? [];
  const strangers = recreate.filter((name) => !names.includes(name));
  if (strangers.length > 0) throw new DeployError(`--recreate names ${strangers.join(', ')}, which ${options.only?.length ? '--only leaves out' : 'is not a function folder'}; the functions are ${names.join(', ')}.`);

  const option = options.env?.trim();
  const env = option || resolveEnvId(config, environment);
  const envProblem = env === undefined ? undefined : envIdProblem(env, option ? 'option' : 'variable');
  if (envProblem !== undefined) throw new DeployError(envProblem);
  const { credentials, missing } = readCredentials(environment);
  if (!options.dryRun && (env === undefined || credentials === undefined)) throw new DeployError(missingSettings(env, missing).join('\n'));
  const unreadReason = credentials === undefined ? `no ${missing.join(', ')} in your environment` : env === undefined ? `no environment id (--env or ${ENV_VARIABLE})` : undefined;
  const functions = names.flatMap((name) => config.functions.filter((fn) => fn.name === name));
  return {
    projectRoot,
    appid: project.appid,
    functionsRoot,
    functionsFolder,
    functions,
    recreate,
    ...(env === undefined ? {} : { env }),
    ...(credentials === undefined || unreadReason !== undefined ? {} : { credentials }),
    ...(unreadReason === undefined ? {} : { unreadReason }),
  };
}

/** The line said when project.config.json still has DevTools' placeholder appid (DevTools then cannot upload). */
export function placeholderAppidNote(appid: string): string[] {
  if (appid !== PLACEHOLDER_APPID) return [];
  return [`project.config.json has the placeholder appid "${PLACEHOLDER_APPID}": set "appid" to the Mini Program's AppID before opening the project in WeChat DevTools.`];
}
