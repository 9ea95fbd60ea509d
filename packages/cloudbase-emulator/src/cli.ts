import { readFileSync } from 'fs';
import path from 'path';
import { parseArgs } from 'util';
import { listFunctionFolders } from '@wx-monthly-analytics/function-runner';
import {
  DEFAULT_ACCESS_TOKEN,
  DEFAULT_SEED,
  EMULATOR_APPID,
  EMULATOR_APP_SECRET,
  clockFrom,
  functionEnvironment,
  parseDatabaseFaultSpec,
  parseLatencySpec,
  parseReplyFaultSpec,
  startEmulator,
  type DatabaseFaultSpec,
  type Emulator,
  type LatencySpec,
  type ReplyFaultSpec,
} from './index';

/** The help of --fault, --db-fault and --latency. */
const FAULT_FLAGS_USAGE = `  --fault SPEC        the next TIMES (default 1) calls of API answer ERRCODE, e.g. getMonthlyRetain=45009,
                      analysis.getMonthlyVisitTrend=61503:2, *=-1, cgi-bin/stable_token=-1, invokeFunction=-504002
                      (repeatable; * does not reach the token endpoints cgi-bin/stable_token and cgi-bin/token
                      nor invokeFunction, cloud.callFunction, which this command answers as a missing function);
                      -501001 … -504002 answer as the CloudBase gateway ({code, message}: the SDK's errCode is
                      that code), other negative codes as the gateway's CommOpenApiResp.errorCode, the rest as
                      WeChat's {errcode, errmsg}.
                      API=ERRCODE:always   every call until DELETE /control/faults (e.g. *=-501003:always)
                      API=malformed[:TIMES], API=drop[:TIMES]   a reply the SDK cannot parse, a dropped connection
  --db-fault SPEC     database requests: ACTION[/COLLECTION]=REPLY[:TIMES|:always][:applied]
                      ACTION: * or getDocument, insertDocument (add), modifyDocument (update, set),
                      removeDocument, calculateDocument (count), addCollection (database. prefix optional);
                      REPLY: a CloudBase code -501001 … -501009, -502001 … -502005, or empty, malformed, drop;
                      applied: a write is stored, then the fault answers (default: the write is not applied).
                      e.g. getDocument/analytics_monthly=-502001:2, *=-501003:always, insertDocument=drop:1:applied
  --latency API=MS    delays answers: an API as for --fault, database (every database action) or one database
                      action (database.getDocument=200) (repeatable)`;

const USAGE = `Usage: npm run emulator -- [--port N] [--seed TEXT] [--data-file FILE] [--functions-root DIR] [--access-token TOKEN]
                             [--now ISO-DATE] [--fault API=ERRCODE[:TIMES]]... [--db-fault SPEC]... [--latency API=MS]...

Runs the local CloudBase gateway + WeChat analytics emulator on 127.0.0.1 until Ctrl-C (SIGINT), SIGTERM or
SIGHUP, or until the npm process that started it goes away. On a signal it stops accepting connections,
lets the requests in flight finish, then saves the database to --data-file (loaded at start when it exists;
without it the database lives in memory only and is lost) and exits 0.

  --now ISO-DATE      the emulator's clock starts there and advances (default: the real clock)
${FAULT_FLAGS_USAGE}

While it runs, on the same address:
  POST   /control/faults  {"api": "getMonthlyRetain", "errcode": 45009, "times": 1}
                          {"api": "*", "errcode": -501003, "persistent": true}, {"api": "*", "reply": "drop"},
                          {"api": "getMonthlyRetain", "latency": 300},
                          {"action": "getDocument", "collection": "analytics_monthly", "errcode": -502001, "times": 2},
                          {"action": "insertDocument", "reply": "drop", "applied": true}, {"action": "*", "latency": 200}
  GET    /control/faults  what is scheduled
  DELETE /control/faults  removes every scheduled fault and latency
  POST   /control/clock   {"now": "2024-06-15T02:00:00Z"} (or {"now": null}: the real clock)
  POST   /control/tokens  {"rejectIp": "1.2.3.4"} (or null): the token endpoints answer 40164
  GET    /control/calls   the open-API calls so far`;

/** What --fault, --db-fault and --latency ask for. */
export interface FaultFlags {
  faults: ReplyFaultSpec[];
  databaseFaults: DatabaseFaultSpec[];
  latencies: LatencySpec[];
}

interface CliOptions extends FaultFlags {
  port: number;
  seed: string;
  functionsRoot: string;
  accessToken: string;
  dataFile?: string;
  now?: Date;
}

/** A mistake on the command line (its message names the flag). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The `util.parseArgs` options of {@link parseFaultFlags}. */
export const FAULT_FLAG_OPTIONS = {
  fault: { type: 'string', multiple: true },
  'db-fault': { type: 'string', multiple: true },
  latency: { type: 'string', multiple: true },
} as const;

/**
 * Reads the values of --fault, --db-fault and --latency (see {@link FAULT_FLAGS_USAGE}).
 *
 * @throws UsageError naming the flag whose spec is malformed
 */
export function parseFaultFlags(values: { fault?: string[]; 'db-fault'?: string[]; latency?: string[] }): FaultFlags {
  const read = <T>(flag: string, specs: string[] | undefined, parse: (spec: string) => T): T[] =>
    (specs ?? []).map((spec) => {
      try {
        return parse(spec);
      } catch (error) {
        throw new UsageError(`--${flag}: ${(error as Error).message}`);
      }
    });
  return {
    faults: read('fault', values.fault, parseReplyFaultSpec),
    databaseFaults: read('db-fault', values['db-fault'], parseDatabaseFaultSpec),
    latencies: read('latency', values.latency, parseLatencySpec),
  };
}

/** Schedules on `emulator` what {@link parseFaultFlags} read, as `POST /control/faults` would. */
export function applyFaultFlags(emulator: Pick<Emulator, 'faults'>, flags: FaultFlags): void {
  for (const fault of flags.faults) {
    if (fault.kind === 'malformed') emulator.faults.malformedNext(fault.apiName, fault.times as number);
    else if (fault.kind === 'drop') emulator.faults.dropNext(fault.apiName, fault.times as number);
    else if (fault.times === 'always') emulator.faults.failAlways(fault.apiName, fault.errcode as number);
    else emulator.faults.failNext(fault.apiName, fault.errcode as number, fault.times);
  }
  for (const fault of flags.databaseFaults) emulator.faults.failDatabase(fault);
  for (const latency of flags.latencies) {
    if (latency.target === 'api') emulator.faults.latency(latency.ms, latency.apiName);
    else emulator.faults.databaseLatency(latency.ms, latency.action);
  }
}

/** The faults {@link parseFaultFlags} read, one short entry each (`getMonthlyRetain=45009 (2 calls)`). */
export function describeFaultFlags(flags: FaultFlags): string[] {
  return [
    ...flags.faults.map(
      (fault) =>
        `${fault.apiName}=${fault.errcode ?? fault.kind}${fault.times === 1 ? '' : fault.times === 'always' ? ' (every call)' : ` (${fault.times} calls)`}`,
    ),
    ...flags.databaseFaults.map(
      (fault) =>
        `${fault.action ?? '*'}${fault.collection === undefined ? '' : `/${fault.collection}`}=${fault.errcode ?? fault.reply ?? ''}` +
        `${fault.persistent ? ' (every request)' : (fault.times ?? 1) === 1 ? '' : ` (${fault.times ?? 1} requests)`}${fault.applied ? ' after the write' : ''}`,
    ),
  ];
}

/** The sentence for an error of `util.parseArgs`: the option or argument it names, without Node's advice on positionals. */
function parseArgsMistake(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const named = /'([^' ]+)[^']*'/.exec(message)?.[1] ?? '';
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${named}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${named}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(message)) return `${named} takes no value`;
      return / is ambiguous/.test(message) ? `${named} needs a value (one that starts with a dash goes as ${named}=-VALUE)` : `${named} needs a value`;
    default:
      return message.split('\n')[0] ?? message;
  }
}

/**
 * Why an emulator could not listen on `port` of 127.0.0.1, in one line with what to do, or undefined when
 * `error` is not a listening failure (EADDRINUSE, EACCES).
 *
 * @param portFlag - how the command is given another port (`--port N`)
 */
export function listenFailureMessage(error: unknown, port: number, portFlag = '--port N'): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return `port ${port} on 127.0.0.1 is in use (another emulator?): stop what listens there, or pick another port with ${portFlag} (0: any free port)`;
  }
  if (code === 'EACCES') return `port ${port} on 127.0.0.1 needs privileges this process lacks: pick one above 1023 with ${portFlag} (0: any free port)`;
  return undefined;
}

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
        ...FAULT_FLAG_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    throw new UsageError(parseArgsMistake(error));
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
    ...parseFaultFlags(values),
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
  return options;
}

const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

function startupMessage(emulator: Emulator, options: CliOptions): string {
  const functions = listFunctionFolders(options.functionsRoot);
  const example = functions.includes('getMonthlyRetain') ? 'getMonthlyRetain' : (functions[0] ?? 'NAME');
  const clock = options.now === undefined ? 'the real clock' : `a clock started at ${options.now.toISOString()}`;
  const faults = describeFaultFlags(options);
  const lines = [
    `Emulator listening on ${emulator.url} (seed ${JSON.stringify(options.seed)}, database ${options.dataFile ?? 'in memory'}, ${clock})`,
    ...(faults.length > 0 ? [`Injected faults, taken by the next matching calls: ${faults.join(', ')}`] : []),
    '',
    `Next: in another terminal, npm run invoke -- ${example} --emulator ${emulator.url}` +
      (options.now === undefined ? '' : ` --now ${options.now.toISOString()}`),
    '',
    `Control: POST ${emulator.url}/control/faults {"api":"getMonthlyRetain","errcode":45009} or {"action":"getDocument","errcode":-502001},`,
    `         GET ${emulator.url}/control/faults (what is scheduled), DELETE ${emulator.url}/control/faults,`,
    `         POST ${emulator.url}/control/clock {"now":"2024-06-15T02:00:00Z"}, GET ${emulator.url}/control/calls`,
    '',
    'HTTPS API (POST JSON {"begin_date","end_date"}):',
    `  ${emulator.url}/datacube/getweanalysisappidmonthlyretaininfo?access_token=${options.accessToken}`,
    `  ${emulator.url}/datacube/getweanalysisappidmonthlyvisittrend?access_token=${options.accessToken}`,
    `  tokens: POST ${emulator.url}/cgi-bin/stable_token, GET ${emulator.url}/cgi-bin/token (AppID ${EMULATOR_APPID}; AppSecret ${EMULATOR_APP_SECRET}, the emulator's own)`,
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
    console.error(`emulator: ${error.message} (see npm run emulator -- --help)`);
    process.exitCode = 2;
    return;
  }
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  // Signals are taken from here on: one that arrives while the emulator starts stops it once it has started.
  const taken: { stop?: (signal: string) => void } = {};
  const early: string[] = [];
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => (taken.stop ? taken.stop(signal) : early.push(signal)));
  let emulator: Emulator;
  try {
    emulator = await startEmulator({
      port: options.port,
      seed: options.seed,
      functionsRoot: options.functionsRoot,
      accessToken: options.accessToken,
      control: true,
      ...(options.dataFile !== undefined ? { dataFile: options.dataFile } : {}),
      ...(options.now !== undefined ? { now: clockFrom(options.now) } : {}),
    });
  } catch (error) {
    const message = listenFailureMessage(error, options.port) ?? dataFileFailureMessage(error, options.dataFile);
    if (message === undefined) throw error;
    console.error(`emulator: ${message}`);
    process.exit(1);
  }
  applyFaultFlags(emulator, options);
  console.log(startupMessage(emulator, options));
  const { dataFile } = options;

  let stopping = false;
  // Its callback runs 500 ms later at the earliest, once stopFor is defined.
  const watcher = watchLauncher((reason) => stopFor(reason));
  const stop = async (reason: string): Promise<void> => {
    if (stopping) process.exit(130);
    stopping = true;
    clearInterval(watcher);
    console.log(`\n${reason}: stopping the emulator (finishing the requests in flight)…`);
    // stop(): no new connections, the requests in flight are answered, then the database is saved: a
    // write acknowledged before the signal is in the file (or, without --data-file, was answered in full).
    await emulator.stop();
    console.log(dataFile !== undefined ? `Database saved to ${dataFile}` : 'The database was in memory only (no --data-file): not saved.');
  };
  const stopFor = (reason: string): void => {
    stop(reason)
      .then(() => {
        process.exitCode = 0;
        // Nothing else should keep the process alive; if something does, do not linger.
        setTimeout(() => process.exit(0), 2_000).unref();
      })
      .catch((error: unknown) => {
        console.error('Could not save the database:', error);
        process.exit(1);
      });
  };
  taken.stop = stopFor;
  if (early[0] !== undefined) stopFor(early[0]);
}

/** The parent of `pid` from /proc (Linux), or undefined. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The processes whose end ends the emulator: its parent (tsx's launcher under `npm run emulator`), and, when
 * npm started it (npm_lifecycle_event set), every ancestor up to and including that npm process (tsx, the
 * `sh -c` npm runs scripts with, npm). A SIGKILL of npm forwards nothing: without this the emulator would
 * stay listening, orphaned.
 */
export function launcherProcesses(): number[] {
  const watched = [process.ppid];
  if (process.env.npm_lifecycle_event === undefined) return watched;
  let pid: number | undefined = process.ppid;
  for (let depth = 0; depth < 8 && pid !== undefined && pid > 1; depth += 1) {
    if (/(^|[\s/])npm(-cli\.js)?(\s|$)/.test(commandLineOf(pid))) return watched;
    pid = parentOf(pid);
    if (pid !== undefined && pid > 1) watched.push(pid);
  }
  return [process.ppid]; // no npm among the ancestors: the parent only
}

/** Polls the launcher processes every 500 ms; calls `onGone` once one has gone (or the parent changed). */
function watchLauncher(onGone: (reason: string) => void): NodeJS.Timeout {
  const parent = process.ppid;
  const watched = launcherProcesses();
  const timer = setInterval(() => {
    const gone = process.ppid !== parent ? parent : watched.find((pid) => !isAlive(pid));
    if (gone !== undefined) {
      clearInterval(timer);
      onGone(`the launching process ${gone} is gone`);
    }
  }, 500);
  timer.unref();
  return timer;
}

/** One line for a --data-file the emulator cannot load (a directory, not its JSON, unreadable); undefined for other errors. */
function dataFileFailureMessage(error: unknown, dataFile: string | undefined): string | undefined {
  if (dataFile === undefined || !(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (code === 'EISDIR') return `--data-file ${dataFile} is a directory: give the path of a file (it is created on the first save).`;
  if (code === 'EACCES' || code === 'EPERM') return `--data-file ${dataFile} cannot be read (${String(code)}): check its permissions.`;
  if (/saved document store|JSON/i.test(error.message)) return `--data-file ${dataFile} is not a database the emulator saved (${error.message.slice(0, 120)}): give another path, or remove the file to start empty.`;
  return undefined;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
