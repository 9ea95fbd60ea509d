import { readFileSync } from 'fs';
import { performance } from 'perf_hooks';
import { ADMIN, MONTH, MONTH_DATES, NOW, RETAIN_API, expectThat, replyOf, type Lab } from './lab';

/** One cold invocation: a fresh Node process that loads index.js and completes its first call. */
export interface ColdRun {
  /** Inside the function process: require of index.js plus the first call. */
  durationMs: number;
  /** Seen by the caller: process start included. */
  wallMs: number;
  loadMs: number;
  /**
   * Peak resident set of the function process: VmHWM in /proc/<pid>/status, read before it ends. Not
   * getrusage's maxRSS, which Linux carries over fork and exec: a child then reports at least the RSS its
   * parent (the bench) had when it forked.
   */
  maxRssBytes: number;
  wechatCalls: number;
}

/** Cold runs of the baseline and of getMonthlyRetain, for the same month. */
export interface ColdResults {
  baseline: ColdRun[];
  /** The month is in the archive (the timer keeps it there): one database read, no WeChat call. As deployed: loaded through its code cache. */
  oursArchived: ColdRun[];
  /** The month is not in the archive: database read, WeChat call, archive write. As deployed. */
  oursFetched: ColdRun[];
  /** The floor: a function that does nothing. */
  floorNode: ColdRun[];
  /** The floor of a call that reads the archive: one raw HTTP POST to the gateway, no SDK. */
  floorPost: ColdRun[];
  /** getMonthlyRetain (archived month) without bundle.cache: compiled from source, as before the cache shipped. */
  oursNoCache: ColdRun[];
  /** The same with a corrupt cache: the loader reads it, V8 rejects it, the bundle is compiled from source. */
  oursCacheRejected: ColdRun[];
  /** The same with a cache made under other Node flags (as by another Node version): the loader does not use it. */
  oursCacheSkipped: ColdRun[];
}

type Variant = keyof ColdResults;
const VARIANTS: readonly Variant[] = ['baseline', 'oursArchived', 'oursFetched', 'floorNode', 'floorPost', 'oursNoCache', 'oursCacheRejected', 'oursCacheSkipped'];
const ARCHIVED: readonly Variant[] = ['oursArchived', 'oursNoCache', 'oursCacheRejected', 'oursCacheSkipped'];

/** The peak resident set of a live process (VmHWM), in bytes. */
function processPeakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  expectThat(kib !== undefined, `no VmHWM in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

async function runOnce(lab: Lab, variant: Variant): Promise<ColdRun> {
  if (variant === 'oursFetched') lab.emptyArchive();
  lab.emulator.resetCalls();
  const name = variant === 'oursArchived' || variant === 'oursFetched' ? 'getMonthlyRetain' : variant;
  const data = variant === 'baseline' ? { ...MONTH_DATES } : variant === 'floorNode' || variant === 'floorPost' ? {} : { month: MONTH };
  // As the runtime's invokeCold (a fresh process, one invocation, then killed), with the process's own peak RSS.
  const startedAt = performance.now();
  const instance = await lab.startWarm(name);
  let result;
  let peakRssBytes: number;
  try {
    result = await instance.invoke({ caller: ADMIN, data, now: NOW });
    result.wallMs = performance.now() - startedAt;
    peakRssBytes = processPeakRss(instance.pid);
  } finally {
    await instance.close();
  }
  const reply = replyOf(result, `cold ${variant}`) as { ok?: boolean; source?: string; errMsg?: string };
  if (variant === 'baseline') expectThat(reply.errMsg === `openapi.${RETAIN_API}:ok`, `the baseline replied ${JSON.stringify(reply)}`);
  else if (variant === 'floorNode' || variant === 'floorPost') expectThat(reply.ok === true, `${variant} replied ${JSON.stringify(reply)}`);
  else expectThat(reply.ok === true && reply.source === (ARCHIVED.includes(variant) ? 'archive' : 'wechat'), `${variant} replied ${JSON.stringify(reply).slice(0, 200)}`);
  expectThat(result.coldStart && result.loadMs !== undefined, 'a cold invocation reports loadMs');
  return {
    durationMs: result.durationMs,
    wallMs: result.wallMs,
    loadMs: result.loadMs ?? Number.NaN,
    maxRssBytes: peakRssBytes,
    wechatCalls: lab.emulator.countCalls({ apiName: RETAIN_API }),
  };
}

/**
 * Cold-starts the baseline, getMonthlyRetain (as deployed, and without a usable code cache), the two floor functions `runs` times each, interleaved
 * (the order rotates every round), all against the same emulator, each an admin asking for one complete month.
 */
export async function measureColdStarts(lab: Lab, runs: number): Promise<ColdResults> {
  const results: ColdResults = {
    baseline: [],
    oursArchived: [],
    oursFetched: [],
    floorNode: [],
    floorPost: [],
    oursNoCache: [],
    oursCacheRejected: [],
    oursCacheSkipped: [],
  };
  lab.emptyArchive();
  await runOnce(lab, 'oursFetched');
  await runOnce(lab, 'baseline');
  for (let round = 0; round < runs; round += 1) {
    for (let step = 0; step < VARIANTS.length; step += 1) {
      const variant = VARIANTS[(round + step) % VARIANTS.length] as Variant;
      results[variant].push(await runOnce(lab, variant));
    }
  }
  return results;
}
