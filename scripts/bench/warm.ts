import type { InvokeRequest, WarmInstance } from '@wx-monthly-analytics/function-runner';
import { ADMIN, MONTH, MONTH_DATES, NOW, RETAIN_API, expectThat, replyOf, type Lab } from './lab';

/** Per-call durations (inside the function process) of warm calls, run in interleaved rounds. */
export interface WarmResults {
  baseline: number[];
  /** getMonthlyRetain for an archived month: one database read, no WeChat call. */
  oursArchived: number[];
  /** getMonthlyRetain for a month not in the archive: database read, WeChat call, archive write. */
  oursFetched: number[];
  /** The floor of one gateway round trip: one raw HTTP POST (an archive read) from a warm process, no SDK. */
  floorPost: number[];
  /** The floor of an archived call through wx-server-sdk: getWXContext and the read by _id, nothing checked. */
  floorSdkRead: number[];
  /** WeChat calls per call of each kind (the same on every round). */
  wechatCallsPerCall: { baseline: number; oursArchived: number; oursFetched: number };
}

type Kind = 'baseline' | 'oursArchived' | 'oursFetched' | 'floorPost' | 'floorSdkRead';
const KINDS: readonly Kind[] = ['baseline', 'oursArchived', 'oursFetched', 'floorPost', 'floorSdkRead'];
const FLOORS: readonly Kind[] = ['floorPost', 'floorSdkRead'];

const OURS_REQUEST: InvokeRequest = { caller: ADMIN, data: { month: MONTH }, now: NOW };
const BASELINE_REQUEST: InvokeRequest = { caller: ADMIN, data: { ...MONTH_DATES }, now: NOW };
const FLOOR_REQUEST: InvokeRequest = { caller: ADMIN, data: {}, now: NOW };

async function timedCall(lab: Lab, instance: WarmInstance, request: InvokeRequest, expectedSource?: string) {
  lab.emulator.resetCalls();
  const result = await instance.invoke(request);
  const reply = replyOf(result, 'warm call') as { ok?: boolean; source?: string; errMsg?: string };
  if (expectedSource === 'floor') expectThat(reply.ok === true, `the floor replied ${JSON.stringify(reply)}`);
  else if (expectedSource) expectThat(reply.ok === true && reply.source === expectedSource, `warm call replied ${JSON.stringify(reply).slice(0, 200)}`);
  else expectThat(reply.errMsg === `openapi.${RETAIN_API}:ok`, `the baseline replied ${JSON.stringify(reply)}`);
  return { durationMs: result.durationMs, wechatCalls: lab.emulator.countCalls({ apiName: RETAIN_API }) };
}

/**
 * One warm process each of the baseline, getMonthlyRetain and the two floors; after `warmup` uncounted
 * rounds, `calls` rounds each of: baseline call, our call served from the archive, our call after the
 * archive was emptied (which archives the month again), one raw POST, one read through the SDK.
 */
export async function measureWarmCalls(lab: Lab, calls: number, warmup: number): Promise<WarmResults> {
  const baseline = await lab.startWarm('baseline');
  const ours = await lab.startWarm('getMonthlyRetain');
  const floor = await lab.startWarm('floorPost');
  const sdkRead = await lab.startWarm('floorSdkRead');
  try {
    const results: WarmResults = {
      baseline: [],
      oursArchived: [],
      oursFetched: [],
      floorPost: [],
      floorSdkRead: [],
      wechatCallsPerCall: { baseline: 0, oursArchived: 0, oursFetched: 0 },
    };
    lab.emptyArchive();
    await timedCall(lab, ours, OURS_REQUEST, 'wechat');
    for (let round = 0; round < warmup + calls; round += 1) {
      const measured: Partial<Record<Kind, { durationMs: number; wechatCalls: number }>> = {};
      for (let step = 0; step < KINDS.length; step += 1) {
        const kind = KINDS[(round + step) % KINDS.length] as Kind;
        if (kind === 'oursFetched') lab.emptyArchive();
        measured[kind] =
          kind === 'baseline'
            ? await timedCall(lab, baseline, BASELINE_REQUEST)
            : kind === 'floorPost' || kind === 'floorSdkRead'
              ? await timedCall(lab, kind === 'floorPost' ? floor : sdkRead, FLOOR_REQUEST, 'floor')
              : await timedCall(lab, ours, OURS_REQUEST, kind === 'oursArchived' ? 'archive' : 'wechat');
      }
      if (round < warmup) continue;
      for (const kind of KINDS) {
        const call = measured[kind];
        if (!call) throw new Error(`no ${kind} call in round ${round}`);
        results[kind].push(call.durationMs);
        if (!FLOORS.includes(kind)) results.wechatCallsPerCall[kind as keyof WarmResults['wechatCallsPerCall']] = call.wechatCalls;
      }
    }
    return results;
  } finally {
    await Promise.all([baseline.close(), ours.close(), floor.close(), sdkRead.close()]);
  }
}
