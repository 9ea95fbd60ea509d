import { execFile } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'fs';
import os from 'os';
import path from 'path';
import { promisify } from 'util';
import semver from 'semver';
import { TimerTrigger, parseFunctionConfig, readProjectConfig } from './config';
import { listFunctionFolders } from '@wx-monthly-analytics/function-runner';
import { FolderContents, UPLOADED_FILES, readFolderContents, readFunctionDependencies, stageFunction } from './stage';
import { BUILT_FILES } from '../build/loader';
import { LAZY_BUNDLE } from '../build/lazy-modules';

const run = promisify(execFile);

/** The repository root: its node_modules provides linked dependencies, its project.config.json the project. */
export const REPOSITORY_ROOT = path.resolve(__dirname, '../..');

/**
 * Namespaces of WeChat's cloud-callable open APIs (`cloud.openapi.<namespace>.<method>`) whose
 * `namespace.method` string literals the scan counts. `auth` is left out: CloudBase's SDK names its own
 * actions `auth.signIn` and so on, which a bundle that includes wx-server-sdk contains.
 */
export const OPENAPI_NAMESPACES = [
  'analysis',
  'customerServiceMessage',
  'img',
  'ocr',
  'phonenumber',
  'security',
  'subscribeMessage',
  'templateMessage',
  'uniformMessage',
  'updatableMessage',
  'urllink',
  'urlscheme',
  'wxacode',
] as const;

/** The checks run on each function folder, in the order the report shows them. */
export const FUNCTION_CHECKS = ['config', 'permissions', 'trigger', 'load', 'files'] as const;

/** One check of a function folder. */
export type FunctionCheck = (typeof FUNCTION_CHECKS)[number];

/** A failed check: the file to change and, in one line, what is wrong and how to fix it. */
export interface CheckProblem {
  check: FunctionCheck | 'project';
  /** Absolute path of the file (or folder) to change. */
  file: string;
  message: string;
}

/** How `checkFunction` provides the folder's own dependencies to the loading check. */
export interface CheckFunctionOptions {
  /** Install them with npm in the copy (slow, needs the registry) instead of linking installed ones. */
  install?: boolean;
  /** Folder whose node_modules holds the installed dependencies to link; the repository root by default. */
  packagesFrom?: string;
  /** Time limit of the loading check (and of npm install) in milliseconds. */
  timeoutMs?: number;
}

/** What `checkFunction` found in one function folder. */
export interface FunctionCheckResult {
  name: string;
  dir: string;
  /** Open APIs the built index.js calls. */
  calledApis: string[];
  /** Open APIs config.json grants. */
  declaredApis: string[];
  trigger?: TimerTrigger;
  contents: FolderContents;
  outcome: Record<FunctionCheck, 'ok' | 'failed' | 'skipped'>;
  problems: CheckProblem[];
}

const CLEAN_ENVIRONMENT: NodeJS.ProcessEnv = { TZ: 'UTC' };
const DEFAULT_LOAD_TIMEOUT_MS = 20_000;
const DEFAULT_INSTALL_TIMEOUT_MS = 300_000;

const OPENAPI_LITERAL = new RegExp(`(['"\`])((?:${OPENAPI_NAMESPACES.join('|')})\\.[a-z][A-Za-z0-9]*)\\1`, 'g');
const OPENAPI_CALL = /\bopenapi\s*\.\s*([A-Za-z_$][\w$]*)\s*\.\s*([A-Za-z_$][\w$]*)\s*\(/g;

/**
 * The open APIs that built code calls, sorted and without repeats, found by two textual rules:
 * - a whole string literal (quoted with ', " or `) of the form `namespace.method`, where the namespace is
 *   one of {@link OPENAPI_NAMESPACES} and the method a lowerCamel name: how the TypeScript functions name
 *   their API (`api: 'analysis.getMonthlyRetain'` in src/reports) before calling it dynamically;
 * - a direct call `openapi.<namespace>.<method>(`, as plain-JS functions write
 *   `cloud.openapi.analysis.getMonthlyRetain({...})`.
 * Names built at run time from other strings are not seen; a literal that merely looks like an API name is.
 */
export function scanOpenApiCalls(code: string): string[] {
  const apis = new Set<string>();
  for (const match of code.matchAll(OPENAPI_LITERAL)) if (match[2] !== undefined) apis.add(match[2]);
  for (const match of code.matchAll(OPENAPI_CALL)) apis.add(`${match[1]}.${match[2]}`);
  return [...apis].sort();
}

/**
 * Whether an installed `version` satisfies a package.json `range`, by npm's own rules (semver): exact
 * versions, `^`, `~`, `4.x`, `>=4 <5`, `||`, `*`; `undefined` for what is no range (a tag such as
 * `latest`, a URL: compare with `--install`).
 */
export function satisfiesVersion(version: string, range: string): boolean | undefined {
  if (semver.validRange(range) === null || semver.valid(version) === null) return undefined;
  return semver.satisfies(version, range);
}

/**
 * Checks one function folder as the cloud will see it:
 * - config: config.json is strict JSON with only keys WeChat reads;
 * - permissions: the open APIs the built index.js calls ({@link scanOpenApiCalls}) equal `permissions.openapi`;
 * - trigger: at most one timer trigger, with a valid name and seven-field cron;
 * - load: index.js, copied with config.json and package.json alone into a temp dir, loads in a clean Node
 *   process (environment: TZ=UTC only) and exports `main` as a function. The folder's package.json
 *   dependencies are installed there by npm with `install`, or else linked from `packagesFrom`'s
 *   node_modules when the installed version satisfies the declared one. The link still proves the folder
 *   is self-contained: index.js resolves modules from the copy's own node_modules, which holds exactly the
 *   declared packages (Node follows the link to the real path, so the linked package's own dependencies
 *   come from the repository, as the cloud's install of the same version provides them). Relative paths
 *   resolve inside the copy, the process has no NODE_PATH, and the check refuses to run under a temp dir
 *   with a node_modules above it, so a require of a file outside the folder or of an unlisted package
 *   fails as it would in the cloud (a built function is index.js loading bundle.js);
 * - files: nothing but the uploaded files (UPLOADED_FILES) and TypeScript sources is in the folder.
 */
export async function checkFunction(functionDir: string, options: CheckFunctionOptions = {}): Promise<FunctionCheckResult> {
  const dir = path.resolve(functionDir);
  const result: FunctionCheckResult = {
    name: path.basename(dir),
    dir,
    calledApis: [],
    declaredApis: [],
    contents: readFolderContents(dir),
    outcome: { config: 'ok', permissions: 'ok', trigger: 'ok', load: 'ok', files: 'ok' },
    problems: [],
  };
  const fail = (check: FunctionCheck, file: string, message: string) => {
    result.problems.push({ check, file: path.join(dir, file), message });
    result.outcome[check] = 'failed';
  };
  const skip = (check: FunctionCheck) => {
    if (result.outcome[check] === 'ok') result.outcome[check] = 'skipped';
  };

  const configFile = path.join(dir, 'config.json');
  let configReadable = false;
  if (!existsSync(configFile)) {
    fail('config', 'config.json', 'it is missing: add {"permissions": {"openapi": []}} listing the open APIs index.js calls');
    skip('trigger');
  } else {
    const { config, readable, problems } = parseFunctionConfig(readFileSync(configFile, 'utf8'));
    for (const problem of problems) fail(problem.about, 'config.json', problem.message);
    configReadable = readable;
    result.declaredApis = [...config.openapi].sort();
    result.trigger = config.triggers[0];
    if (!problems.some((problem) => problem.about === 'trigger') && config.triggers.length === 0) skip('trigger');
  }

  const indexFile = path.join(dir, 'index.js');
  if (!existsSync(indexFile)) {
    const fix = existsSync(path.join(dir, 'index.ts')) ? 'run npm run build' : "add the function's code as index.js";
    fail('load', 'index.js', `it is missing: ${fix}`);
    skip('permissions');
  } else {
    const bundleFile = path.join(dir, BUILT_FILES.bundle);
    result.calledApis = scanOpenApiCalls([indexFile, bundleFile].filter((file) => existsSync(file)).map((file) => readFileSync(file, 'utf8')).join('\n'));
    if (!configReadable) skip('permissions');
    else {
      for (const api of result.calledApis.filter((name) => !result.declaredApis.includes(name))) {
        fail('permissions', 'config.json', `add "${api}" to permissions.openapi: index.js calls it`);
      }
      for (const api of result.declaredApis.filter((name) => !result.calledApis.includes(name))) {
        fail('permissions', 'config.json', `remove "${api}" from permissions.openapi: index.js never calls it`);
      }
    }
    if (result.outcome.load === 'ok') {
      for (const problem of await checkLoads(dir, options)) fail('load', problem.file, problem.message);
    }
  }

  const installsNothing = (() => {
    try {
      return Object.keys(readFunctionDependencies(dir)).length === 0;
    } catch {
      return false;
    }
  })();
  for (const entry of result.contents.stray) {
    const fix =
      entry !== 'node_modules/'
        ? `move it out of the folder or delete it: only ${UPLOADED_FILES.join(', ')} reach the cloud`
        : installsNothing
          ? 'delete it: package.json lists no dependencies, so index.js needs no installed package'
          : 'delete it: the cloud installs the package.json dependencies itself';
    fail('files', entry, fix);
  }
  const builtBundle = path.join(dir, BUILT_FILES.bundle);
  if (!existsSync(path.join(dir, LAZY_BUNDLE)) && existsSync(builtBundle) && readFileSync(builtBundle, 'latin1').includes(`./${LAZY_BUNDLE}`)) {
    // The function loads without it and fails only when a deferred SDK module is first used: catch it here.
    fail('files', LAZY_BUNDLE, `it is missing: ${BUILT_FILES.bundle} requires it on the first use of an SDK module it defers; run npm run build (it writes index.js, bundle.js and ${LAZY_BUNDLE}) and upload them together`);
  }
  if (!result.contents.uploaded.includes('package.json')) {
    fail('files', 'package.json', 'it is missing: add one whose "dependencies" list what index.js requires (e.g. wx-server-sdk)');
  }
  return result;
}

async function checkLoads(dir: string, options: CheckFunctionOptions): Promise<{ file: string; message: string }[]> {
  const workDir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'check-function-')));
  try {
    const copy = path.join(workDir, path.basename(dir));
    stageFunction(dir, copy);
    const hidingFolders = ancestorNodeModules(workDir);
    if (hidingFolders.length > 0) {
      return hidingFolders.map((folder) => ({
        file: folder,
        message: 'it could hide a missing package from the loading check: remove it, or point TMPDIR elsewhere',
      }));
    }
    const dependencies = readDependencies(dir);
    if (typeof dependencies === 'string') return [{ file: 'package.json', message: dependencies }];
    const provided = options.install
      ? await installDependencies(copy, dependencies, options.timeoutMs ?? DEFAULT_INSTALL_TIMEOUT_MS)
      : linkDependencies(copy, dependencies, options.packagesFrom ?? REPOSITORY_ROOT);
    if (provided.length > 0) return provided;
    const timeoutMs = options.timeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
    return await loadInCleanProcess(copy, workDir, timeoutMs);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

function ancestorNodeModules(dir: string): string[] {
  const found: string[] = [];
  for (let current = dir; ; current = path.dirname(current)) {
    const candidate = path.join(current, 'node_modules');
    if (existsSync(candidate)) found.push(candidate);
    if (path.dirname(current) === current) return found;
  }
}

function readDependencies(dir: string): Record<string, string> | string {
  try {
    return readFunctionDependencies(dir);
  } catch (error) {
    return `it is not valid JSON (${error instanceof Error ? error.message : String(error)}): fix it`;
  }
}

function linkDependencies(copy: string, dependencies: Record<string, string>, packagesFrom: string): { file: string; message: string }[] {
  const problems: { file: string; message: string }[] = [];
  for (const [name, range] of Object.entries(dependencies)) {
    const installedDir = path.join(packagesFrom, 'node_modules', name);
    const manifestFile = path.join(installedDir, 'package.json');
    if (!existsSync(manifestFile)) {
      problems.push({
        file: 'package.json',
        message: `"${name}" is not installed in ${path.join(packagesFrom, 'node_modules')}: add "${name}": "${range}" to the root package.json and run npm install, or check with --install`,
      });
      continue;
    }
    const { version } = JSON.parse(readFileSync(manifestFile, 'utf8')) as { version: string };
    const satisfied = satisfiesVersion(version, range);
    if (satisfied !== true) {
      const reason = satisfied === false ? 'which does not satisfy' : 'which cannot be compared with';
      problems.push({
        file: 'package.json',
        message: `"${name}" is installed as ${version}, ${reason} "${range}": give both package.json files the same version, or check with --install`,
      });
      continue;
    }
    const link = path.join(copy, 'node_modules', name);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(realpathSync(installedDir), link, 'junction');
  }
  return problems;
}

async function installDependencies(
  copy: string,
  dependencies: Record<string, string>,
  timeoutMs: number,
): Promise<{ file: string; message: string }[]> {
  if (Object.keys(dependencies).length === 0) return [];
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  try {
    await run(npm, ['install', '--omit=dev', '--no-audit', '--no-fund'], {
      cwd: copy,
      timeout: timeoutMs,
      shell: process.platform === 'win32',
    });
    return [];
  } catch (error) {
    const output = error instanceof Error && 'stderr' in error ? String(error.stderr) : String(error);
    const lastLine = output.trim().split('\n').filter(Boolean).pop() ?? 'no output';
    return [{ file: 'package.json', message: `npm install failed in a copy of the folder (${lastLine}): check "dependencies"` }];
  }
}

interface LoadOutcome {
  loaded: boolean;
  mainType?: string;
  code?: string;
  message?: string;
  requireStack?: string[];
}

const LOAD_PROBE = `
const [file, resultFile] = process.argv.slice(1);
let outcome;
try {
  const exported = require(file);
  outcome = { loaded: true, mainType: typeof (exported && exported.main) };
} catch (error) {
  outcome = { loaded: false, code: error && error.code, message: String((error && error.message) || error), requireStack: (error && error.requireStack) || [] };
}
require('fs').writeFileSync(resultFile, JSON.stringify(outcome));
process.exit(0);
`;

async function loadInCleanProcess(copy: string, workDir: string, timeoutMs: number): Promise<{ file: string; message: string }[]> {
  const outcome = await loadOutcome(copy, workDir, timeoutMs);
  return 'problems' in outcome ? outcome.problems : loadProblems(copy, outcome);
}

async function loadOutcome(copy: string, workDir: string, timeoutMs: number): Promise<LoadOutcome | { problems: { file: string; message: string }[] }> {
  const indexFile = path.join(copy, 'index.js');
  const outcomeFile = path.join(workDir, 'load-outcome.json');
  try {
    await run(process.execPath, ['-e', LOAD_PROBE, indexFile, outcomeFile], { cwd: copy, env: CLEAN_ENVIRONMENT, timeout: timeoutMs });
  } catch (error) {
    const timedOut = error instanceof Error && 'killed' in error && error.killed === true;
    const message = timedOut
      ? `it did not load within ${timeoutMs / 1000} s in a clean Node process: move slow start-up work into main`
      : `loading it crashed Node (${firstLine(error instanceof Error ? error.message : String(error))}): run node -e "require('./index.js')" in a copy of the folder`;
    return { problems: [{ file: 'index.js', message }] };
  }
  return JSON.parse(readFileSync(outcomeFile, 'utf8')) as LoadOutcome;
}

function loadProblems(copy: string, outcome: LoadOutcome): { file: string; message: string }[] {
  const indexFile = path.join(copy, 'index.js');
  if (outcome.loaded) {
    if (outcome.mainType === 'function') return [];
    return [{ file: 'index.js', message: `it does not export main as a function (main is ${outcome.mainType}): add exports.main = async (event, context) => {...}` }];
  }
  const reason = firstLine(outcome.message ?? '');
  const missing = /Cannot find module '([^']+)'/.exec(reason)?.[1];
  const requiredBy = outcome.requireStack?.[0];
  if (outcome.code === 'MODULE_NOT_FOUND' && missing !== undefined && requiredBy === indexFile) {
    if (missing === `./${BUILT_FILES.bundle}`) {
      return [{ file: BUILT_FILES.bundle, message: 'it is missing: the loader index.js loads it; run npm run build (it writes both)' }];
    }
    if (missing.startsWith('.') || path.isAbsolute(missing)) {
      return [{
        file: 'index.js',
        message: `it requires "${missing}", which is not uploaded (only ${UPLOADED_FILES.join(', ')} are): bundle it into index.js (npm run build bundles what index.ts imports)`,
      }];
    }
    const packageName = missing.startsWith('@') ? missing.split('/').slice(0, 2).join('/') : missing.split('/')[0];
    return [{
      file: 'package.json',
      message: `index.js requires the package "${packageName}", which is not in "dependencies": add it there (the cloud installs only those) or bundle it into index.js`,
    }];
  }
  const where = requiredBy !== undefined && requiredBy !== indexFile ? ` inside ${path.relative(copy, requiredBy)}` : '';
  return [{
    file: 'index.js',
    message: `it fails to load in a clean Node process${where} (${reason}): fix that error, or move the work into main`,
  }];
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? '';
}

/**
 * Checks project.config.json at `projectRoot`: strict JSON, with an appid that is wx and 16 letters or
 * digits, and `cloudfunctionRoot` "cloudfunctions/" (an existing folder). The placeholder appid
 * (touristappid) passes here; deploy refuses it.
 */
export function checkProject(projectRoot: string): CheckProblem[] {
  const file = path.join(path.resolve(projectRoot), 'project.config.json');
  return readProjectConfig(projectRoot).problems.map((message) => ({ check: 'project', file, message }));
}

/** Runs {@link checkFunction} on each function folder under `functionsRoot` (or only those in `names`). */
export async function checkFunctions(
  functionsRoot: string,
  options: CheckFunctionOptions = {},
  names: string[] = listFunctionFolders(functionsRoot),
): Promise<FunctionCheckResult[]> {
  const results: FunctionCheckResult[] = [];
  for (const name of names) results.push(await checkFunction(path.join(functionsRoot, name), options));
  return results;
}

/** One problem as a line: the file, relative to `cwd`, then what to do. */
export function formatProblem(problem: CheckProblem, cwd = process.cwd()): string {
  return `${path.relative(cwd, problem.file) || problem.file}: ${problem.message}`;
}

/** The check's report: a table of the functions and their results, then one line per problem. */
export function formatCheckReport(projectProblems: CheckProblem[], results: FunctionCheckResult[], cwd = process.cwd()): string {
  const headings = ['function', 'open APIs', ...FUNCTION_CHECKS, 'result'];
  const rows = results.map((result) => [
    result.name,
    result.calledApis.join(', ') || '-',
    ...FUNCTION_CHECKS.map((check) => ({ ok: 'ok', failed: 'FAIL', skipped: '-' })[result.outcome[check]]),
    result.problems.length === 0 ? 'ok' : `${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`,
  ]);
  const widths = headings.map((heading, column) => Math.max(heading.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  const problems = [...projectProblems, ...results.flatMap((result) => result.problems)];
  const lines = [
    line(headings),
    ...rows.map(line),
    '',
    ...problems.map((problem) => `✗ ${formatProblem(problem, cwd)}`),
    problems.length === 0
      ? `project.config.json and ${results.length} function${results.length === 1 ? '' : 's'}: all checks pass.`
      : `${problems.length} problem${problems.length === 1 ? '' : 's'}: fix ${problems.length === 1 ? 'it' : 'them'}, then run npm run check again.`,
  ];
  return lines.join('\n');
}
