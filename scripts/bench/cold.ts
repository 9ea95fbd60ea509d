import { invokeCold } from '@wx-monthly-analytics/function-runner';
import { ADMIN, MONTH, MONTH_DATES, NOW, RETAIN_API, expectThat, replyOf, type Lab } from './lab';

/** One cold invocation: a fresh Node process that loads index.js and completes its first call. */
export interface ColdRun {
  /** Inside the function process: require of index.js plus the first call. */
  durationMs: number;
  /** Seen by the caller: process start included. */
  wallMs: number;
  loadMs: number;
  maxRssBytes: number;
  wechatCalls: number;
}

/** Cold runs of the baseline and of getMonthlyRetain, for the same month. */
export interface ColdResults {
  baseline: ColdRun[];
  /** The month is in the archive (the timer keeps it there): one database read, no WeChat call. */
  oursArchived: ColdRun[];
  /** The month is not in the archive: database read, WeChat call, archive write. */
  oursFetched: ColdRun[];
}

type Variant = keyof ColdResults;
const VARIANTS: readonly Variant[] = ['baseline', 'oursArchived', 'oursFetched'];

async function runOnce(lab: Lab, variant: Variant): Promise<ColdRun> {
  if (variant === 'oursFetched') lab.emptyArchive();
  lab.emulator.resetCalls();
  const result =
    variant === 'baseline'
      ? await invokeCold(lab.deployment('baseline'), { caller: ADMIN, data: { ...MONTH_DATES }, now: NOW })
      : await invokeCold(lab.deployment('getMonthlyRetain'), { caller: ADMIN, data: { month: MONTH }, now: NOW });
  const reply = replyOf(result, `cold ${variant}`) as { ok?: boolean; source?: string; errMsg?: string };
  if (variant === 'baseline') expectThat(reply.errMsg === `openapi.${RETAIN_API}:ok`, `the baseline replied ${JSON.stringify(reply)}`);
  else expectThat(reply.ok === true && reply.source === (variant === 'oursArchived' ? 'archive' : 'wechat'), `${variant} replied ${JSON.stringify(reply).slice(0, 200)}`);
  expectThat(result.coldStart && result.loadMs !== undefined && result.maxRssBytes !== undefined, 'a cold invocation reports loadMs and maxRssBytes');
  return {
    durationMs: result.durationMs,
    wallMs: result.wallMs,
    loadMs: result.loadMs ?? Number.NaN,
    maxRssBytes: result.maxRssBytes ?? Number.NaN,
    wechatCalls: lab.emulator.countCalls({ apiName: RETAIN_API }),
  };
}

/**
 * Cold-starts the baseline and getMonthlyRetain `runs` times each, interleaved (the order rotates every
 * round), all against the same emulator, each an admin asking for one complete month.
 */
export async function measureColdStarts(lab: Lab, runs: number): Promise<ColdResults> {
  const results: ColdResults = { baseline: [], oursArchived: [], oursFetched: [] };
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
