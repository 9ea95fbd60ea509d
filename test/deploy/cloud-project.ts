import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import path from 'path';
import { FAKE_TENCENT_CLOUD_CREDENTIALS, TencentCloudApi } from '@wx-monthly-analytics/cloudbase-emulator';
import type { DeployDependencies } from '../../scripts/deploy/deploy';
import type { Clock } from '../../scripts/deploy/remote';
import { TempProject, makeFixtureProject } from '../fixtures/deploy/temp-project';

const REPOSITORY_ROOT = path.resolve(__dirname, '../..');

/** A small function folder for deploy tests: an index.js that names its open APIs, config.json and package.json. */
export interface TinyFunction {
  name: string;
  openapi?: string[];
  trigger?: { name: string; config: string };
}

/** A cloudbaserc.json function entry with the defaults a test usually wants. */
export function declare(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, runtime: 'Nodejs24.11', timeout: 10, memorySize: 256, installDependency: false, handler: 'index.main', ignore: ['*.ts'], envVariables: {}, ...extra };
}

/** Writes cloudbaserc.json into the project. */
export function writeCloudbaserc(project: TempProject, functions: Record<string, unknown>[]): void {
  const rc = { version: '2.0', envId: '{{env.WX_CLOUD_ENV}}', functionRoot: './cloudfunctions', functions };
  writeFileSync(path.join(project.root, 'cloudbaserc.json'), JSON.stringify(rc, null, 2));
}

/** Test fixture: a temp project with tiny, already "built" functions and the given cloudbaserc.json entries. */
export function makeTinyProject(functions: TinyFunction[], declarations: Record<string, unknown>[] = functions.map((fn) => declare(fn.name))): TempProject {
  const project = makeFixtureProject([]);
  for (const fn of functions) {
    const dir = path.join(project.functionsRoot, fn.name);
    mkdirSync(dir);
    const apis = (fn.openapi ?? []).map((api) => `'${api}'`).join(', ');
    writeFileSync(path.join(dir, 'index.js'), `const APIS = [${apis}];\nexports.main = async () => APIS;\n`);
    const config = { permissions: { openapi: fn.openapi ?? [] }, ...(fn.trigger ? { triggers: [{ ...fn.trigger, type: 'timer' }] } : {}) };
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: fn.name, version: '0.1.0', private: true, main: 'index.js', dependencies: {} }));
  }
  writeCloudbaserc(project, declarations);
  return project;
}

/** Copies the repository's cloudbaserc.json into a project made by makeRealFunctionsProject. */
export function copyRepositoryCloudbaserc(project: TempProject): void {
  writeFileSync(path.join(project.root, 'cloudbaserc.json'), readFileSync(path.join(REPOSITORY_ROOT, 'cloudbaserc.json')));
}

/** A clock whose sleep only moves its time on: waits finish at once, and their bounds still count. */
export function virtualClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

/** The deployer's environment for a deploy against the fake: its keys, the environment id, and `extra`. */
export function deployerEnvironment(envId: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { TENCENTCLOUD_SECRETID: FAKE_TENCENT_CLOUD_CREDENTIALS.secretId, TENCENTCLOUD_SECRETKEY: FAKE_TENCENT_CLOUD_CREDENTIALS.secretKey, WX_CLOUD_ENV: envId, ...extra };
}

/** Dependencies that send the real SDK client to the fake, skip the build and record what is printed. */
export function fakeCloudDependencies(api: TencentCloudApi, environment: NodeJS.ProcessEnv, extra: DeployDependencies = {}): DeployDependencies & { printed: string[]; clock: ReturnType<typeof virtualClock> } {
  const printed: string[] = [];
  const clock = virtualClock();
  return {
    print: (line) => printed.push(line),
    environment,
    build: async () => undefined,
    transport: { protocol: 'http://', endpoint: (service) => api.endpoint(service), agent: api.agent, timeoutSeconds: 10 },
    pollIntervalMs: 1_000,
    ...extra,
    clock,
    printed,
  };
}

/** The actions the fake received, in order (`service.Action`), optionally only those naming `functionName`. */
export function actionsOf(api: TencentCloudApi, functionName?: string): string[] {
  return api.requests.filter((request) => functionName === undefined || request.params.FunctionName === functionName).map((request) => request.action);
}
