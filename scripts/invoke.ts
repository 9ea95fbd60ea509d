import { existsSync, readFileSync } from 'fs';
import path from 'path';
import net from 'net';
import { parseArgs } from 'util';
import { clockFrom, functionContextUrl, startEmulator } from '@wx-monthly-analytics/cloudbase-emulator';
import { FAULT_FLAG_OPTIONS, applyFaultFlags, parseFaultFlags, UsageError as EmulatorUsageError, type FaultFlags } from '../packages/cloudbase-emulator/src/cli';
import { UsageError, parseArgsMistake, usageErrorLine } from './command-line';
import { componentEnvironment, seedComponentPlatform } from './emulator-environment';
import { jsonSyntaxProblem } from './deploy/json-syntax';
import {
  createFunctionPool,
  invokeCold,
  listFunctionFolders,
  startWarm,
  type Caller,
  type FunctionDeployment,
  type FunctionPool,
  type InvokeRequest,
  type InvokeResult,
} from '@wx-monthly-analytics/function-runner';

export const DEFAULT_OPENID = 'oDemoAdmin0000000000000000001';
const REPO_ROOT = path.resolve(__dirname, '..');

export const USAGE = `Usage: npm run invoke -- <functionName> [options]

Event data (one of; passed to the function as given, which checks it):
  --month MONTH                 data {"month": MONTH}, e.g. 2024-05 or 202405
  --from MONTH --to MONTH       data {"from": ..., "to": ...}
  --data JSON                   data as a JSON object
Caller (one of):
  --openid OPENID               a Mini Program user (default ${DEFAULT_OPENID})
  --timer                       a timer trigger run (event data is ignored)
  --timer-message TEXT          the timer event's Message, the trigger's custom argument (default '')
  --source SOURCE               another cloud function, as the platform says (SOURCE, no OPENID): e.g.
                                wx_trigger,scf for one a timer run started (the sync's shards)
Other:
  --admins a,b                  ANALYTICS_ADMIN_OPENIDS (default: $ANALYTICS_ADMIN_OPENIDS, else ${DEFAULT_OPENID})
  --env NAME=VALUE              another environment variable of the function (repeatable), e.g.
                                --env WECHAT_TRANSPORT=https --env WECHAT_APPSECRET=wrong; the value
                                {emulator} stands for the emulator's URL (WECHAT_API_BASE_URL={emulator})
  --component N                 the third-party mode against the in-process emulator: its platform's
                                variables, a pushed ticket and N authorised Mini Programs (wx000…001, …)
  --emulator URL                use a running emulator at URL (the function talks to URL/functions/<name>;
                                a URL containing "{name}" is used as-is with the name filled in);
                                default: start one in-process, where the function's cloud.callFunction
                                runs the called function of --functions-root (with the same variables
                                and --timeout) in a process of its own
  --fault SPEC, --db-fault SPEC, --latency API=MS
                                faults and delays of the in-process emulator, as npm run emulator takes them
                                (repeatable; see npm run emulator -- --help), e.g. --fault getMonthlyRetain=45009,
                                --fault '*=-501003:always', --db-fault getDocument=-502001; for an emulator
                                given by --emulator, start it with them or POST to its /control/faults
  --cold | --warm               fresh process (default) or a warm instance
  --now ISO-DATE                the clock at the start of the invocation: the function's and the
                                in-process emulator's (a running emulator keeps its own: start it
                                with --now, or POST {"now": ISO-DATE} to URL/control/clock)
  --timeout MS                  time limit (default 3000), also of the functions it calls
  --functions-root DIR          folder holding the built functions (default cloudfunctions)
  --help

Exit code: 0 on a reply, 1 on a failed or timed-out invocation, 2 on a usage error, a missing build or
nothing answering at --emulator URL.`;

export { UsageError };

export interface InvokeCliOptions {
  functionName: string;
  data: Record<string, unknown>;
  caller: Caller;
  admins: string;
  emulatorUrl?: string;
  mode: 'cold' | 'warm';
  now?: Date;
  timeoutMs?: number;
  functionsRoot: string;
  /** Other environment variables of the function (`--env NAME=VALUE`). */
  env: Record<string, string>;
  /** `--component N`: the third-party mode with N authorised Mini Programs seeded in the in-process emulator. */
  component?: number;
  /** `--fault`, `--db-fault`, `--latency`: scheduled on the in-process emulator before the call. */
  faults: FaultFlags;
}

function parseEnvFlags(entries: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/s.exec(entry);
    if (!match?.[1]) throw new UsageError(`--env expects NAME=VALUE with an upper-case NAME, got "${entry.split('=')[0]}"`);
    env[match[1]] = match[2] ?? '';
  }
  return env;
}

function parseDataFlag(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--data is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('--data must be a JSON object');
  return parsed as Record<string, unknown>;
}

/**
 * Reads the invoke CLI's arguments.
 *
 * @param argv - the arguments after `npm run invoke --`
 * @param env - where a default ANALYTICS_ADMIN_OPENIDS may come from
 * @returns the options, or undefined when --help was asked
 * @throws UsageError on unknown flags or conflicting or malformed values
 */
export function parseInvokeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): InvokeCliOptions | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        month: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        data: { type: 'string' },
        openid: { type: 'string' },
        timer: { type: 'boolean' },
        'timer-message': { type: 'string' },
        source: { type: 'string' },
        component: { type: 'string' },
        admins: { type: 'string' },
        env: { type: 'string', multiple: true },
        emulator: { type: 'string' },
        cold: { type: 'boolean' },
        warm: { type: 'boolean' },
        now: { type: 'string' },
        timeout: { type: 'string' },
        'functions-root': { type: 'string' },
        ...FAULT_FLAG_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(parseArgsMistake(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return undefined;

  const [functionName, ...extra] = positionals;
  if (!functionName) throw new UsageError('missing <functionName>');
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  if (!/^[A-Za-z0-9_-]+$/.test(functionName)) throw new UsageError(`"${functionName}" is not a function name`);

  const dataSources = [values.month !== undefined, values.from !== undefined || values.to !== undefined, values.data !== undefined];
  if (dataSources.filter(Boolean).length > 1) throw new UsageError('use only one of --month, --from/--to, --data');
  let data: Record<string, unknown> = {};
  if (values.month !== undefined) data = { month: values.month };
  if (values.from !== undefined || values.to !== undefined) {
    if (values.from === undefined || values.to === undefined) throw new UsageError('--from and --to go together');
    data = { from: values.from, to: values.to };
  }
  if (values.data !== undefined) data = parseDataFlag(values.data);

  if (values.timer && values.openid !== undefined) throw new UsageError('use either --openid or --timer');
  if (values.cold && values.warm) throw new UsageError('use either --cold or --warm');
  if (values['timer-message'] !== undefined && !values.timer) throw new UsageError('--timer-message goes with --timer');
  const timerMessage = values['timer-message'] === undefined ? {} : { message: values['timer-message'] };
  if ([values.timer, values.openid !== undefined, values.source !== undefined].filter(Boolean).length > 1) {
    throw new UsageError('use only one of --openid, --timer, --source');
  }
  const caller: Caller = values.timer
    ? { kind: 'timer', ...timerMessage }
    : values.source !== undefined
      ? { kind: 'function', source: values.source }
      : { kind: 'miniprogram', openid: values.openid ?? DEFAULT_OPENID };
  let component: number | undefined;
  if (values.component !== undefined) {
    component = Number(values.component);
    if (!Number.isInteger(component) || component < 0 || component > 10_000) throw new UsageError('--component takes a number of Mini Programs from 0 to 10000');
    if (values.emulator !== undefined) throw new UsageError('--component seeds the in-process emulator: leave out --emulator');
  }

  let faults: FaultFlags;
  try {
    faults = parseFaultFlags(values);
  } catch (error) {
    throw error instanceof EmulatorUsageError ? new UsageError(error.message) : error;
  }
  const faultFlag = (['fault', 'db-fault', 'latency'] as const).find((flag) => values[flag] !== undefined);
  if (faultFlag !== undefined && values.emulator !== undefined) {
    throw new UsageError(
      `--${faultFlag} goes to the in-process emulator: leave out --emulator, or give the emulator at ${values.emulator} ` +
        'its faults when you start it (npm run emulator -- --fault SPEC) or by POST /control/faults',
    );
  }

  const envFlags = parseEnvFlags(values.env ?? []);
  const options: InvokeCliOptions = {
    functionName,
    data,
    caller,
    admins: values.admins ?? envFlags.ANALYTICS_ADMIN_OPENIDS ?? env.ANALYTICS_ADMIN_OPENIDS ?? DEFAULT_OPENID,
    mode: values.warm ? 'warm' : 'cold',
    functionsRoot: path.resolve(REPO_ROOT, values['functions-root'] ?? 'cloudfunctions'),
    env: envFlags,
    ...(component === undefined ? {} : { component }),
    faults,
  };
  if (values.emulator !== undefined) {
    if (!/^https?:\/\//.test(values.emulator) || !URL.canParse(values.emulator.split('{name}').join('name'))) {
      throw new UsageError(`--emulator expects an http(s) URL, e.g. http://127.0.0.1:8080, not "${values.emulator}"`);
    }
    options.emulatorUrl = values.emulator;
  }
  if (values.now !== undefined) {
    const now = new Date(values.now);
    if (Number.isNaN(now.getTime())) throw new UsageError(`--now is not a date: "${values.now}"`);
    options.now = now;
  }
  if (values.timeout !== undefined) {
    const timeoutMs = Number(values.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError('--timeout expects a positive number of milliseconds');
    options.timeoutMs = timeoutMs;
  }
  return options;
}

function timerTriggerName(functionDir: string): string | undefined {
  try {
    const config = JSON.parse(readFileSync(path.join(functionDir, 'config.json'), 'utf8')) as { triggers?: { name?: unknown }[] };
    const name = config.triggers?.[0]?.name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why `functionName` cannot be invoked from `functionsRoot`, or undefined when its built index.js is there:
 * an unknown name lists the functions that exist; a function folder without index.js asks for a build.
 */
export function missingFunctionMessage(functionsRoot: string, functionName: string): string | undefined {
  const functionDir = path.join(functionsRoot, functionName);
  const where = path.relative(process.cwd(), functionsRoot) || functionsRoot;
  if (!existsSync(functionDir)) {
    const available = listFunctionFolders(functionsRoot);
    if (available.length === 0) return `no function "${functionName}": ${where} holds no function folder`;
    return `no function "${functionName}" in ${where}; the functions are: ${available.join(', ')}`;
  }
  if (!existsSync(path.join(functionDir, 'index.js'))) {
    return `${path.relative(process.cwd(), path.join(functionDir, 'index.js')) || 'index.js'} not found: run \`npm run build\` first`;
  }
  return undefined;
}

/**
 * Whether something accepts connections at `url`'s host and port (within `timeoutMs`): a running emulator
 * there, or not. Only a TCP connection is made, nothing is sent.
 */
function somethingListensAt(url: string, timeoutMs = 2_000): Promise<boolean> {
  const { hostname, port, protocol } = new URL(url.split('{name}').join('name'));
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || (protocol === 'https:' ? 443 : 80)) });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * What is wrong with the function's config.json when it is not JSON, else undefined: the emulator then
 * grants the function no open API, which the function would report as a missing permission.
 */
function brokenConfigMessage(functionDir: string): string | undefined {
  const file = path.join(functionDir, 'config.json');
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    const where = path.relative(process.cwd(), file) || file;
    return `${where}: ${jsonSyntaxProblem(text, error)}; until then the emulator grants the function no open API (a permission error)`;
  }
}

/** The context URL of a function on an emulator started elsewhere, as its `contextUrl(name)` builds it. */
export function runningEmulatorContextUrl(emulatorUrl: string, functionName: string): string {
  if (emulatorUrl.includes('{name}')) return emulatorUrl.split('{name}').join(encodeURIComponent(functionName));
  return functionContextUrl(emulatorUrl, functionName);
}

async function invokeOnce(deployment: FunctionDeployment, request: InvokeRequest, mode: 'cold' | 'warm'): Promise<InvokeResult> {
  if (mode === 'cold') return invokeCold(deployment, request);
  const instance = await startWarm(deployment);
  try {
    return await instance.invoke(request);
  } finally {
    await instance.close();
  }
}

function report(options: InvokeCliOptions, result: InvokeResult): number {
  for (const line of result.logs) process.stderr.write(`  │ ${line}\n`);
  const timing = `${Math.round(result.durationMs)} ms${result.loadMs === undefined ? '' : `, load ${Math.round(result.loadMs)} ms`}`;
  process.stderr.write(`${options.functionName} (${options.mode}, pid ${result.pid}, request ${result.requestId}): ${timing}\n`);
  if (result.timedOut) {
    process.stderr.write(`TIMED OUT: no reply within ${options.timeoutMs ?? 3000} ms\n`);
    return 1;
  }
  if (result.failed) {
    process.stderr.write(`FAILED: ${result.failed.errorType}: ${result.failed.errorMessage}\n`);
    if (result.failed.stackTrace) process.stderr.write(`${result.failed.stackTrace}\n`);
    return 1;
  }
  process.stdout.write(`${JSON.stringify(result.reply, null, 2)}\n`);
  return 0;
}

/**
 * Runs the invoke CLI.
 *
 * @param argv - the arguments after `npm run invoke --`
 * @returns the process exit code: 0 on a reply, 1 on a failed or timed-out invocation, 2 on a usage error or missing build
 */
export async function runInvokeCli(argv: string[]): Promise<number> {
  let options: InvokeCliOptions | undefined;
  try {
    options = parseInvokeArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${usageErrorLine('invoke', error.message)}\n`);
    return 2;
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const functionDir = path.join(options.functionsRoot, options.functionName);
  const missing = missingFunctionMessage(options.functionsRoot, options.functionName);
  if (missing !== undefined) {
    process.stderr.write(`invoke: ${missing}\n`);
    return 2;
  }
  const brokenConfig = brokenConfigMessage(functionDir);
  if (brokenConfig !== undefined) process.stderr.write(`invoke: ${brokenConfig}\n`);
  if (options.caller.kind === 'timer') {
    options.caller = { ...options.caller, triggerName: timerTriggerName(functionDir) ?? 'timer' };
    if (Object.keys(options.data).length > 0) process.stderr.write('invoke: a timer run gets the trigger event; the event data is ignored\n');
  }

  let closeEmulator: (() => Promise<void>) | undefined;
  let nestedCalls: FunctionPool | undefined;
  let contextUrl: string;
  let emulatorUrl: string;
  // The function's variables, known once the emulator's address is: the functions it calls get the same.
  let functionEnv: Record<string, string> = {};
  if (options.emulatorUrl !== undefined) {
    if (!(await somethingListensAt(options.emulatorUrl))) {
      process.stderr.write(`invoke: nothing answers at ${options.emulatorUrl}: start it with npm run emulator (or leave out --emulator for an in-process one)\n`);
      return 2;
    }
    emulatorUrl = options.emulatorUrl.replace(/\/+$/, '');
    contextUrl = runningEmulatorContextUrl(options.emulatorUrl, options.functionName);
    if (options.now) {
      process.stderr.write(
        `invoke: --now moves the function's clock only; the emulator at ${options.emulatorUrl} keeps its own ` +
          '(start it with --now, or POST {"now": ISO-DATE} to its /control/clock)\n',
      );
    }
  } else {
    const clock = options.now ? clockFrom(options.now) : undefined;
    nestedCalls = createFunctionPool({
      functionsRoot: options.functionsRoot,
      env: () => functionEnv,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(clock ? { now: clock } : {}),
    });
    const emulator = await startEmulator({
      port: 0,
      functionsRoot: options.functionsRoot,
      invokeFunction: nestedCalls.invokeFunction,
      ...(clock ? { now: clock } : {}),
    });
    closeEmulator = () => emulator.close();
    applyFaultFlags(emulator, options.faults);
    contextUrl = emulator.contextUrl(options.functionName);
    emulatorUrl = emulator.url;
    if (options.component !== undefined) {
      const appids = seedComponentPlatform(emulator, options.component, options.now ?? new Date());
      options.env = { ...componentEnvironment(emulator.url), ...options.env };
      process.stderr.write(`invoke: third-party mode, ${appids.length} authorised Mini Programs${appids[0] ? ` (${appids[0]}…)` : ''}\n`);
    }
  }

  try {
    const request: InvokeRequest = { caller: options.caller, data: options.data };
    if (options.now) request.now = options.now;
    if (options.timeoutMs !== undefined) request.timeoutMs = options.timeoutMs;
    const extraEnv = Object.fromEntries(Object.entries(options.env).map(([name, value]) => [name, value.split('{emulator}').join(emulatorUrl)]));
    functionEnv = { ...extraEnv, ANALYTICS_ADMIN_OPENIDS: options.admins };
    const deployment: FunctionDeployment = { functionDir, contextUrl, env: functionEnv };
    const result = await invokeOnce(deployment, request, options.mode);
    for (const nested of nestedCalls?.invocations ?? []) {
      const outcome = nested.result.timedOut ? 'timed out' : nested.result.failed ? `failed: ${nested.result.failed.errorMessage}` : 'replied';
      process.stderr.write(`  called ${nested.name} (pid ${nested.result.pid}, ${Math.round(nested.result.durationMs)} ms): ${outcome}\n`);
    }
    return report(options, result);
  } finally {
    await nestedCalls?.close();
    await closeEmulator?.();
  }
}

if (require.main === module) {
  runInvokeCli(process.argv.slice(2)).then(
    (exitCode) => {
      process.exitCode = exitCode;
    },
    (error: unknown) => {
      process.stderr.write(`invoke: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
