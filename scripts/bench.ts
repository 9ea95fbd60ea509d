import { mkdirSync, writeFileSync } from 'fs';
import path from 'path';
import { performance } from 'perf_hooks';
import { measureBackfill, measureBaselineBackfill } from './bench/backfill';
import { measureColdStarts } from './bench/cold';
import { measureDashboard } from './bench/dashboard';
import { measureDatesLibrary } from './bench/libraries';
import { type Lab, OUR_FUNCTIONS, REPO_ROOT, openLab } from './bench/lab';
import { describeMachine, machineLine } from './bench/machine';
import { type FolderSize, type Measurements, buildFigures } from './bench/report';
import { installedSize, unneededEntries } from './bench/size';
import type { StagedFunction } from './bench/stage';
import { UPLOADED_FILES } from './deploy/stage';
import { renderTable } from './bench/table';
import { measureWarmCalls } from './bench/warm';
import { buildFunctions } from './build';

const COLD_RUNS = 20;
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

async function measure(lab: Lab): Promise<Measurements> {
  const staged = (name: string) => {
    const found = lab.stage.functions.get(name);
    if (!found) throw new Error(`${name} is not staged`);
    return found;
  };
  const sizes = {
    ours: OUR_FUNCTIONS.map((name) => folderSize(staged(name))),
    baseline: folderSize(staged('baseline')),
  };
  progress(`cold starts: ${COLD_RUNS} rounds of baseline, archived month, month not archived`);
  const cold = await measureColdStarts(lab, COLD_RUNS);
  progress(`warm calls: ${WARM_CALLS} rounds (after ${WARM_UNCOUNTED_CALLS} uncounted)`);
  const warm = await measureWarmCalls(lab, WARM_CALLS, WARM_UNCOUNTED_CALLS);
  progress(`12-month dashboard: ${DASHBOARD_RUNS} rounds`);
  const dashboard = await measureDashboard(lab, DASHBOARD_RUNS);
  progress(`backfill of 24 months, 200 ms latency: ${BACKFILL_RUNS} runs each of concurrency 4, concurrency 8, baseline`);
  const concurrency4 = await measureBackfill(lab, BACKFILL_RUNS);
  const concurrency8 = await measureBackfill(lab, BACKFILL_RUNS, { ANALYTICS_CONCURRENCY: '8' });
  const baseline = await measureBaselineBackfill(lab, BACKFILL_RUNS);
  progress(`date library: ${DATES_RUNS} cold processes with and without dayjs`);
  const dates = measureDatesLibrary(DATES_RUNS);
  return { cold, dates, warm, dashboard, backfill: { concurrency4, concurrency8, baseline }, sizes };
}

/**
 * `npm run bench`: builds the functions, measures them against the baseline (the seeds' cloud-call example)
 * through the local emulator and runner, prints one markdown table (and why any target is missed), and
 * writes every figure and raw sample to bench-results/latest.json.
 */
export async function runBench(): Promise<void> {
  const startedAt = performance.now();
  const machine = describeMachine();
  progress('building the functions');
  await buildFunctions();
  const lab = await openLab();
  const closeOnSignal = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping`);
    void lab.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', closeOnSignal);
  process.once('SIGTERM', closeOnSignal);
  let measurements: Measurements;
  try {
    measurements = await measure(lab);
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
    `Machine: ${machineLine(machine)}. Emulator and function processes on 127.0.0.1.`,
    ...(misses.length === 0 ? ['Every target is met.'] : ['Targets missed, and why:', ...misses.map((figure) => `- ${figure.why ?? figure.what}`)]),
  ];
  console.log(lines.join('\n'));

  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  const results = {
    generatedAt: new Date().toISOString(),
    machine,
    settings: { coldRuns: COLD_RUNS, warmCalls: WARM_CALLS, warmUncountedCalls: WARM_UNCOUNTED_CALLS, dashboardRuns: DASHBOARD_RUNS, backfillRuns: BACKFILL_RUNS },
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
  runBench().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
