import path from 'path';
import { parseArgs } from 'util';
import { listFunctionFolders } from '@wx-monthly-analytics/function-runner';
import {
  DEFAULT_ACCESS_TOKEN,
  DEFAULT_SEED,
  EMULATOR_APPID,
  clockFrom,
  functionEnvironment,
  parseFaultSpec,
  startEmulator,
  type Emulator,
  type FaultSpec,
} from './index';

const USAGE = `Usage: npm run emulator -- [--port N] [--seed TEXT] [--data-file FILE] [--functions-root DIR] [--access-token TOKEN]
                             [--now ISO-DATE] [--fault API=ERRCODE[:TIMES]]...

Runs the local CloudBase gateway + WeChat analytics emulator on 127.0.0.1 until Ctrl-C,
then saves the database to --data-file (loaded at start when it exists).

  --now ISO-DATE      the emulator's clock starts there and advances (default: the real clock)
  --fault SPEC        the next TIMES (default 1) calls of API answer ERRCODE, e.g. getMonthlyRetain=45009,
                      analysis.getMonthlyVisitTrend=61503:2, *=-1, cgi-bin/stable_token=-1, invokeFunction=-504002
                      (repeatable; * does not reach the token endpoints cgi-bin/stable_token and cgi-bin/token
                      nor invokeFunction, cloud.callFunction, which this command answers as a missing function)

While it runs, on the same address:
  POST   /control/faults  {"api": "getMonthlyRetain", "errcode": 45009, "times": 1}
  DELETE /control/faults  removes every scheduled fault
  POST   /control/clock   {"now": "2024-06-15T02:00:00Z"} (or {"now": null}: the real clock)
  POST   /control/tokens  {"rejectIp": "1.2.3.4"} (or null): the token endpoints answer 40164
  GET    /control/calls   the open-API calls so far`;

interface CliOptions {
  port: number;
  seed: string;
  functionsRoot: string;
  accessToken: string;
  dataFile?: string;
  now?: Date;
  faults: FaultSpec[];
}

class UsageError extends Error {}

function parseArguments(args: string[]): CliOptions | 'help' {
  let values;
  try {
    values = parseArgs({
      args,
      strict: true,
      options: {
        port: { type: 'string' },
        seed: { type: 'string' },
        'data-file': { type: 'string' },
        'functions-root': { type: 'string' },
        'access-token': { type: 'string' },
        now: { type: 'string' },
        fault: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    const unknown = /^Unknown option '([^']+)'/.exec((error as Error).message)?.[1];
    throw new UsageError(unknown === undefined ? (error as Error).message : `unknown argument ${unknown}`);
  }
  if (values.help) return 'help';
  const nonEmpty = (flag: string, value: string | undefined): string | undefined => {
    if (value === '') throw new UsageError(`--${flag} needs a value`);
    return value;
  };
  const options: CliOptions = {
    port: 0,
    seed: nonEmpty('seed', values.seed) ?? DEFAULT_SEED,
    functionsRoot: path.resolve(nonEmpty('functions-root', values['functions-root']) ?? path.resolve('cloudfunctions')),
    accessToken: nonEmpty('access-token', values['access-token']) ?? DEFAULT_ACCESS_TOKEN,
    faults: [],
  };
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (values.port.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be an integer from 0 to 65535');
    options.port = port;
  }
  const dataFile = nonEmpty('data-file', values['data-file']);
  if (dataFile !== undefined) options.dataFile = path.resolve(dataFile);
  if (values.now !== undefined) {
    const now = new Date(values.now);
    if (Number.isNaN(now.getTime())) throw new UsageError(`--now is not a date: "${values.now}" (use e.g. 2024-06-15T02:00:00Z)`);
    options.now = now;
  }
  for (const spec of values.fault ?? []) {
    try {
      options.faults.push(parseFaultSpec(spec));
    } catch (error) {
      throw new UsageError(`--fault: ${(error as Error).message}`);
    }
  }
  return options;
}

const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

function startupMessage(emulator: Emulator, options: CliOptions): string {
  const functions = listFunctionFolders(options.functionsRoot);
  const example = functions.includes('getMonthlyRetain') ? 'getMonthlyRetain' : (functions[0] ?? 'NAME');
  const clock = options.now === undefined ? 'the real clock' : `a clock started at ${options.now.toISOString()}`;
  const faults = options.faults.map((fault) => `${fault.apiName}=${fault.errcode}${fault.times === 1 ? '' : ` (${fault.times} calls)`}`);
  const lines = [
    `Emulator listening on ${emulator.url} (seed ${JSON.stringify(options.seed)}, database ${options.dataFile ?? 'in memory'}, ${clock})`,
    ...(faults.length > 0 ? [`Injected faults, taken by the next matching calls: ${faults.join(', ')}`] : []),
    '',
    `Next: in another terminal, npm run invoke -- ${example} --emulator ${emulator.url}` +
      (options.now === undefined ? '' : ` --now ${options.now.toISOString()}`),
    '',
    `Control: POST ${emulator.url}/control/faults {"api":"getMonthlyRetain","errcode":45009}, DELETE ${emulator.url}/control/faults,`,
    `         POST ${emulator.url}/control/clock {"now":"2024-06-15T02:00:00Z"}, GET ${emulator.url}/control/calls`,
    '',
    'HTTPS API (POST JSON {"begin_date","end_date"}):',
    `  ${emulator.url}/datacube/getweanalysisappidmonthlyretaininfo?access_token=${options.accessToken}`,
    `  ${emulator.url}/datacube/getweanalysisappidmonthlyvisittrend?access_token=${options.accessToken}`,
    `  tokens: POST ${emulator.url}/cgi-bin/stable_token, GET ${emulator.url}/cgi-bin/token (AppID ${EMULATOR_APPID}; AppSecret: see README)`,
    '',
  ];
  if (functions.length === 0) lines.push(`No function folders in ${options.functionsRoot}; for a function NAME use TCB_CONTEXT_CNFG='{"URL":"${emulator.contextUrl('NAME')}"}'.`);
  for (const name of functions) {
    lines.push(`# ${name}`);
    for (const [key, value] of Object.entries(functionEnvironment(emulator, name))) lines.push(`export ${key}=${shellQuote(value)}`);
    lines.push('');
  }
  lines.push('(TENCENTCLOUD=true only stops the SDK from probing the Tencent Cloud metadata server.)', 'Press Ctrl-C to stop.');
  return lines.join('\n');
}

async function main(): Promise<void> {
  let options: CliOptions | 'help';
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  const emulator = await startEmulator({
    port: options.port,
    seed: options.seed,
    functionsRoot: options.functionsRoot,
    accessToken: options.accessToken,
    control: true,
    ...(options.dataFile !== undefined ? { dataFile: options.dataFile } : {}),
    ...(options.now !== undefined ? { now: clockFrom(options.now) } : {}),
  });
  for (const fault of options.faults) emulator.faults.failNext(fault.apiName, fault.errcode, fault.times);
  console.log(startupMessage(emulator, options));
  const { dataFile } = options;

  let stopping = false;
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log(`\n${signal}: stopping the emulator…`);
    try {
      await emulator.save();
      if (dataFile !== undefined) console.log(`Database saved to ${dataFile}`);
    } finally {
      await emulator.close();
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      stop(signal).catch((error: unknown) => {
        console.error('Could not save the database:', error);
        process.exitCode = 1;
      });
    });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
