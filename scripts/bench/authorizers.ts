import { startEmulator } from '@wx-monthly-analytics/cloudbase-emulator';
import { createFunctionPool, startWarm } from '@wx-monthly-analytics/function-runner';
import path from 'path';
import { performance } from 'perf_hooks';
import { buildFunctions } from '../build';
import { UsageError, commandArguments, parseCommandLine } from '../command-line';
import { componentEnvironment, pushTicket, seedComponentPlatform } from '../emulator-environment';

/**
 * `npm run bench:authorizers`: how a third-party platform's daily sync scales. N emulated authorizers,
 * the sync function run by its timer again and again (a warm instance, as the platform reuses one) until
 * nothing is deferred, at a given time limit: the runs, the WeChat calls and the time it takes, for the
 * first sync (empty archive), an ordinary day and the first day of a month. `--latency MS` adds that much
 * to every WeChat call (the emulator answers at once; WeChat does not); `--shard-size N` lets the timer
 * runs fan out (ANALYTICS_SYNC_SHARD_SIZE; 0, the default here, keeps each run in one invocation);
 * `--db-latency MS` delays every database action.
 * `BENCH_TRACE=1` prints each
 * run's duration and sync log line.
 */
const TIMER_EVENT = { Type: 'Timer', TriggerName: 'dailyMonthlyAnalyticsSync', Time: '', Message: '' };

interface Scenario {
  name: string;
  now: Date;
}

interface Outcome {
  scenario: string;
  limitMs: number;
  runs: number;
  /** Invocations of the shards the timer runs started. */
  shardInvocations: number;
  datacubeCalls: number;
  tokenCalls: number;
  wallMs: number;
  /** Sum of the invocations' own durations. */
  billedMs: number;
}

/** ANALYTICS_SYNC_MAX_SHARDS, and the warm instances the shards may use. */
const MAX_SHARDS = 20;


const SCENARIOS: Scenario[] = [
  { name: 'first sync, empty archive', now: new Date('2024-06-15T02:00:00Z') },
  { name: 'next day, nothing new', now: new Date('2024-06-16T02:00:00Z') },
  { name: '1st of the month: a new month and key 1', now: new Date('2024-07-01T02:00:00Z') },
];

interface Setting {
  authorizers: number;
  limitMs: number;
  months: number;
  /** Added to every WeChat call (datacube and tokens), ms. */
  latencyMs: number;
  /** ANALYTICS_SYNC_SHARD_SIZE: 0 keeps every run in one invocation. */
  shardSize: number;
  /** Added to every database action, ms. */
  databaseLatencyMs: number;
}

async function measure({ authorizers, limitMs, months, latencyMs, shardSize, databaseLatencyMs }: Setting): Promise<Outcome[]> {
  const scenarios = SCENARIOS;
  let clock = scenarios[0]?.now ?? new Date();
  const functionsRoot = path.resolve(__dirname, '../../cloudfunctions');
  let env: Record<string, string> = {};
  // The shards (cloud.callFunction of the sync itself) run in warm instances of their own, as on the platform.
  const shards = createFunctionPool({ functionsRoot, env: () => env, timeoutMs: limitMs, now: () => clock, maxInstancesPerFunction: MAX_SHARDS });
  const emulator = await startEmulator({ functionsRoot, now: () => clock, invokeFunction: shards.invokeFunction });
  env = {
    ANALYTICS_ADMIN_OPENIDS: 'oBench',
    ANALYTICS_SYNC_MONTHS: String(months),
    ANALYTICS_SYNC_SHARD_SIZE: String(shardSize),
    ANALYTICS_SYNC_MAX_SHARDS: String(MAX_SHARDS),
    ...componentEnvironment(emulator.url),
  };
  const outcomes: Outcome[] = [];
  try {
    if (latencyMs > 0) emulator.faults.latency(latencyMs);
    if (databaseLatencyMs > 0) emulator.faults.latency(databaseLatencyMs, 'database');
    seedComponentPlatform(emulator, authorizers, clock);
    const sync = await startWarm({
      functionDir: path.resolve(__dirname, '../../cloudfunctions/syncMonthlyAnalytics'),
      contextUrl: emulator.contextUrl('syncMonthlyAnalytics'),
      env,
    });
    try {
      for (const scenario of scenarios) {
        clock = scenario.now;
        // WeChat pushes a ticket every 10 minutes: the newest one, as componentEvents stores it.
        pushTicket(emulator, clock);
        emulator.resetCalls();
        const shardsBefore = shards.invocations.length;
        const startedAt = performance.now();
        let runs = 0;
        let billedMs = 0;
        for (;;) {
          runs += 1;
          const result = await sync.invoke({ caller: { kind: 'timer' }, rawEvent: { ...TIMER_EVENT, Time: clock.toISOString() }, now: clock, timeoutMs: limitMs });
          billedMs += result.durationMs;
          if (process.env.BENCH_TRACE) process.stderr.write(`run ${runs}: ${Math.round(result.durationMs)} ms ${result.logs.filter((line) => line.includes('"sync"')).join(' ').slice(0, 300)}\n`);
          const reply = result.reply as { ok?: boolean; data?: { deferred: number; failed: number } } | undefined;
          if (!reply?.ok || !reply.data) throw new Error(`run ${runs} failed: ${JSON.stringify(result.failed ?? reply)}\n${result.logs.filter((line) => line.includes("shard")).concat(result.logs.slice(-3)).join("\n")}`);
          if (reply.data.failed > 0) throw new Error(`run ${runs} failed months: ${JSON.stringify(reply.data).slice(0, 600)}`);
          if (reply.data.deferred === 0) break;
          if (runs > 2000) throw new Error('more than 2,000 runs');
          clock = new Date(clock.getTime() + 60_000);
        }
        const tokenCalls = ['cgi-bin/component/api_component_token', 'cgi-bin/component/api_authorizer_token'].reduce(
          (sum, apiName) => sum + emulator.countCalls({ apiName }),
          0,
        );
        const datacubeCalls = emulator.countCalls({ apiName: 'analysis.getMonthlyRetain' }) + emulator.countCalls({ apiName: 'analysis.getMonthlyVisitTrend' });
        const shardRuns = shards.invocations.slice(shardsBefore);
        billedMs += shardRuns.reduce((sum, run) => sum + run.result.durationMs, 0);
        outcomes.push({ scenario: scenario.name, limitMs, runs, shardInvocations: shardRuns.length, datacubeCalls, tokenCalls, wallMs: performance.now() - startedAt, billedMs });
      }
    } finally {
      await sync.close();
    }
  } finally {
    await shards.close();
    await emulator.close();
  }
  return outcomes;
}

const USAGE = `Usage: npm run bench:authorizers -- [--authorizers N] [--limits MS,MS] [--months N] [--latency MS]
                                     [--shard-size N] [--db-latency MS]

How a third-party platform's daily sync scales: the sync run by its timer until nothing is deferred, for the
first sync, an ordinary day and the first day of a month, over N emulated authorizers. Prints a markdown table.

  --authorizers N   authorised Mini Programs (default 1000)
  --limits MS,MS    the functions' time limits to measure, comma-separated (default 3000,60000)
  --months N        ANALYTICS_SYNC_MONTHS (default 12)
  --latency MS      added to every WeChat call (default 0)
  --shard-size N    ANALYTICS_SYNC_SHARD_SIZE: the timer runs fan out (default 0: no fan-out)
  --db-latency MS   added to every database action (default 0)
  --help            this text
BENCH_TRACE=1 prints each run's duration and sync log line.`;

/** What `npm run bench:authorizers -- …` asks for. */
interface AuthorizersBenchOptions {
  authorizers: number;
  limitsMs: number[];
  months: number;
  latencyMs: number;
  shardSize: number;
  databaseLatencyMs: number;
}

/** Reads the arguments of `npm run bench:authorizers`; 'help' for --help; throws UsageError on a mistake. */
function parseAuthorizersBenchArgs(args: readonly string[]): AuthorizersBenchOptions | 'help' {
  const { values } = parseCommandLine(args, {
    authorizers: { type: 'string', default: '1000' },
    limits: { type: 'string', default: '3000,60000' },
    months: { type: 'string', default: '12' },
    latency: { type: 'string', default: '0' },
    'shard-size': { type: 'string', default: '0' },
    'db-latency': { type: 'string', default: '0' },
  });
  if (values.help) return 'help';
  const whole = (flag: string, text: string, least: number): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < least) throw new UsageError(`--${flag} takes a whole number of at least ${least}, not "${text}"`);
    return value;
  };
  return {
    authorizers: whole('authorizers', values.authorizers, 0),
    limitsMs: values.limits.split(',').map((limit) => whole('limits', limit.trim(), 1)),
    months: whole('months', values.months, 1),
    latencyMs: whole('latency', values.latency, 0),
    shardSize: whole('shard-size', values['shard-size'], 0),
    databaseLatencyMs: whole('db-latency', values['db-latency'], 0),
  };
}

async function main({ authorizers, limitsMs, months, latencyMs, shardSize, databaseLatencyMs }: AuthorizersBenchOptions): Promise<void> {
  await buildFunctions();
  console.log(`| authorizers | time limit | WeChat latency | database latency | shard size | scenario | timer runs | shard invocations | datacube calls | token calls | wall time | billed time |`);
  console.log(`| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
  for (const limitMs of limitsMs) {
    for (const outcome of await measure({ authorizers, limitMs, months, latencyMs, shardSize, databaseLatencyMs })) {
      console.log(
        `| ${authorizers} | ${limitMs / 1000} s | ${latencyMs} ms | ${databaseLatencyMs} ms | ${shardSize || 'no fan-out'} | ${outcome.scenario} | ${outcome.runs} | ${outcome.shardInvocations} | ${outcome.datacubeCalls} | ${outcome.tokenCalls} | ${(outcome.wallMs / 1000).toFixed(1)} s | ${(outcome.billedMs / 1000).toFixed(1)} s |`,
      );
    }
  }
}

if (require.main === module) {
  const options = commandArguments('bench:authorizers', USAGE, () => parseAuthorizersBenchArgs(process.argv.slice(2)));
  if (options !== undefined) {
    main(options).catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
  }
}
