import { readFileSync } from 'fs';
import { performance } from 'perf_hooks';
import { ADMIN, type BenchRuntime, MONTH, MONTH_DATES, NOW, RETAIN_API, expectThat, replyOf, type Lab } from './lab';

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

/** What is cold-started on each runtime. */
export interface ColdVariants {
  /** The seeds' example, wx-server-sdk required from node_modules. */
  baseline: ColdRun[];
  /** getMonthlyRetain, the month in the archive (the timer keeps it there): one database read, no WeChat call. */
  oursArchived: ColdRun[];
  /** getMonthlyRetain, the month not in the archive: database read, WeChat call, archive write. */
  oursFetched: ColdRun[];
  /** The floor: a function that does nothing. */
  floorNode: ColdRun[];
  /** The floor of a call that reads the archive: one raw HTTP POST to the gateway, no SDK. */
  floorPost: ColdRun[];
}

/** The cold runs of one runtime, all on its binary. */
export interface RuntimeColdResults extends ColdVariants {
  /** CloudBase's name, e.g. `Nodejs18.15`. */
  runtime: string;
  /** The Node.js release that stands for it, e.g. `18.15.0`. */
  version: string;
}

type Variant = keyof ColdVariants;
export const COLD_VARIANTS: readonly Variant[] = ['baseline', 'oursArchived', 'oursFetched', 'floorNode', 'floorPost'];

/** The peak resident set of a live process (VmHWM), in bytes. */
function processPeakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  expectThat(kib !== undefined, `no VmHWM in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

async function runOnce(lab: Lab, runtime: BenchRuntime, variant: Variant): Promise<ColdRun> {
  if (variant === 'oursFetched') lab.emptyArchive();
  lab.emulator.resetCalls();
  const name = variant === 'oursArchived' || variant === 'oursFetched' ? 'getMonthlyRetain' : variant;
  const data = variant === 'baseline' ? { ...MONTH_DATES } : variant === 'floorNode' || variant === 'floorPost' ? {} : { month: MONTH };
  const what = `cold ${variant} on ${runtime.runtime.name}`;
  // As the runtime's invokeCold (a fresh process, one invocation, then killed), with the process's own peak RSS.
  const startedAt = performance.now();
  const instance = await lab.startWarm(name, {}, runtime);
  let result;
  let peakRssBytes: number;
  try {
    result = await instance.invoke({ caller: ADMIN, data, now: NOW });
    result.wallMs = performance.now() - startedAt;
    peakRssBytes = processPeakRss(instance.pid);
  } finally {
    await instance.close();
  }
  const reply = replyOf(result, what) as { ok?: boolean; source?: string; errMsg?: string };
  if (variant === 'baseline') expectThat(reply.errMsg === `openapi.${RETAIN_API}:ok`, `${what} replied ${JSON.stringify(reply)}`);
  else if (variant === 'floorNode' || variant === 'floorPost') expectThat(reply.ok === true, `${what} replied ${JSON.stringify(reply)}`);
  else {
    const source = variant === 'oursArchived' ? 'archive' : 'wechat';
    expectThat(reply.ok === true && reply.source === source, `${what} replied ${JSON.stringify(reply).slice(0, 200)}`);
  }
  expectThat(result.coldStart && result.loadMs !== undefined, 'a cold invocation reports loadMs');
  return {
    durationMs: result.durationMs,
    wallMs: result.wallMs,
    loadMs: result.loadMs ?? Number.NaN,
    maxRssBytes: peakRssBytes,
    wechatCalls: lab.emulator.countCalls({ apiName: RETAIN_API }),
  };
}

/** Every (runtime, variant) pair of a round, in the order of round `round`: the order rotates every round. */
export function roundOrder<R, V>(runtimes: readonly R[], variants: readonly V[], round: number): { runtime: R; variant: V }[] {
  const pairs = runtimes.flatMap((runtime) => variants.map((variant) => ({ runtime, variant })));
  if (pairs.length === 0) return [];
  // Steps through the pairs by a stride prime to their count, from a start that moves each round, so that
  // neither a runtime nor a variant always runs after the same one.
  const stride = strideFor(pairs.length, variants.length + 1);
  return pairs.map((_, step) => pairs[(round + step * stride) % pairs.length] as { runtime: R; variant: V });
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The smallest number from `from` up that is prime to `count` (1 when `count` is 1). */
function strideFor(count: number, from: number): number {
  if (count <= 1) return 1;
  for (let stride = Math.max(1, from % count); ; stride += 1) if (gcd(stride, count) === 1) return stride;
}

/**
 * Cold-starts the baseline, getMonthlyRetain (archived month and not) and the two floor functions `runs`
 * times each on every runtime, interleaved (every round runs each pair of runtime and variant once, in an
 * order that rotates every round), all against the same emulator, each an admin asking for one complete month.
 * One uncounted round first reads every binary and folder into the page cache.
 */
export async function measureColdStarts(lab: Lab, runtimes: readonly BenchRuntime[], runs: number): Promise<RuntimeColdResults[]> {
  const results = runtimes.map(
    (runtime): RuntimeColdResults => ({
      runtime: runtime.runtime.name,
      version: runtime.runtime.version,
      baseline: [],
      oursArchived: [],
      oursFetched: [],
      floorNode: [],
      floorPost: [],
    }),
  );
  // The fetched run archives the month, so the archived runs that follow find it.
  await runOnce(lab, lab.defaultRuntime, 'oursFetched');
  for (const { runtime, variant } of roundOrder(runtimes, COLD_VARIANTS, 0)) await runOnce(lab, runtime, variant);
  for (let round = 0; round < runs; round += 1) {
    for (const { runtime, variant } of roundOrder(runtimes, COLD_VARIANTS, round)) {
      const index = runtimes.indexOf(runtime);
      (results[index] as RuntimeColdResults)[variant].push(await runOnce(lab, runtime, variant));
    }
  }
  return results;
}
