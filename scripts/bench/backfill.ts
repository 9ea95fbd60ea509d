import { performance } from 'perf_hooks';
import { ADMIN, MONTH, NOW, RETAIN_API, TREND_API, expectThat, replyOf, type Lab } from './lab';
import { monthDatesUpTo } from './months';

/** Emulated WeChat latency of every open-API call during the backfill. */
export const BACKFILL_LATENCY_MS = 200;
export const BACKFILL_MONTHS = 24;
/** A safety stop: a backfill that needs more runs than this is reported as failed. */
const MAX_RUNS = 10;

/** One complete backfill: every invocation until nothing is deferred. */
export interface BackfillRun {
  wallMs: number;
  wechatCalls: number;
  /** Invocations it took (ours); 48 for the baseline, one per month and kind. */
  invocations: number;
  /** Wall time of each invocation, in order. */
  invocationMs: number[];
}

interface SyncReply {
  ok?: boolean;
  data?: { fetched: number; skipped: number; failed: number; deferred: number };
}

function wechatCalls(lab: Lab): number {
  return lab.emulator.countCalls({ apiName: RETAIN_API }) + lab.emulator.countCalls({ apiName: TREND_API });
}

/**
 * An admin's `{ months: 24 }` backfill through syncMonthlyAnalytics, from an empty archive, with every
 * WeChat call delayed {@link BACKFILL_LATENCY_MS} ms and the platform's default 3 s limit per invocation:
 * invoked again until `deferred` is 0. Each run starts a fresh instance, so its first invocation is a cold start.
 */
export async function measureBackfill(lab: Lab, runs: number, env: Record<string, string> = {}): Promise<BackfillRun[]> {
  const results: BackfillRun[] = [];
  lab.emulator.faults.latency(BACKFILL_LATENCY_MS);
  try {
    for (let round = 0; round < runs; round += 1) {
      lab.emulator.database.clear();
      lab.emulator.resetCalls();
      const sync = await lab.startWarm('syncMonthlyAnalytics', env);
      try {
        const invocationMs: number[] = [];
        const startedAt = performance.now();
        for (;;) {
          const result = await sync.invoke({ caller: ADMIN, data: { months: BACKFILL_MONTHS }, now: NOW });
          invocationMs.push(result.wallMs);
          const reply = replyOf(result, 'backfill') as SyncReply;
          expectThat(reply.ok === true && reply.data !== undefined && reply.data.failed === 0, `the backfill replied ${JSON.stringify(reply)}`);
          if (reply.data.deferred === 0) break;
          expectThat(invocationMs.length < MAX_RUNS, `the backfill still defers months after ${MAX_RUNS} runs`);
        }
        const wallMs = performance.now() - startedAt;
        expectThat(lab.emulator.database.documents('analytics_monthly').length === BACKFILL_MONTHS * 2, 'the backfill stored every month of both kinds');
        results.push({ wallMs, wechatCalls: wechatCalls(lab), invocations: invocationMs.length, invocationMs });
      } finally {
        await sync.close();
      }
    }
    return results;
  } finally {
    lab.emulator.faults.clear();
  }
}

/**
 * The baseline's way: 48 one-month calls in sequence (24 months × 2 kinds; its one API stands in for
 * the trend: same wire, same latency) in one instance that starts cold, with the same emulated latency.
 */
export async function measureBaselineBackfill(lab: Lab, runs: number): Promise<BackfillRun[]> {
  const results: BackfillRun[] = [];
  const months = monthDatesUpTo(MONTH, BACKFILL_MONTHS);
  lab.emulator.faults.latency(BACKFILL_LATENCY_MS);
  try {
    for (let round = 0; round < runs; round += 1) {
      lab.emulator.resetCalls();
      const baseline = await lab.startWarm('baseline');
      try {
        const invocationMs: number[] = [];
        const startedAt = performance.now();
        for (const dates of [...months, ...months]) {
          const result = await baseline.invoke({ caller: ADMIN, data: { ...dates }, now: NOW });
          invocationMs.push(result.wallMs);
          const reply = replyOf(result, 'baseline backfill call') as { errMsg?: string };
          expectThat(reply.errMsg === `openapi.${RETAIN_API}:ok`, `the baseline replied ${JSON.stringify(reply)}`);
        }
        results.push({ wallMs: performance.now() - startedAt, wechatCalls: wechatCalls(lab), invocations: invocationMs.length, invocationMs });
      } finally {
        await baseline.close();
      }
    }
    return results;
  } finally {
    lab.emulator.faults.clear();
  }
}
