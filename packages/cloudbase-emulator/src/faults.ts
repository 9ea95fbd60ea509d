/** A one-shot fault taken by the next matching open-API call. */
export type OneShotFault = { kind: 'fail'; errcode: number } | { kind: 'malformed' } | { kind: 'drop' };

interface ScheduledFault {
  apiName: string;
  fault: OneShotFault;
  remaining: number;
}

const ANY_API = '*';
/**
 * The name that delays every database action (`latency(ms, 'database')`), as a CloudBase database round
 * trip takes time; `'*'` never reaches it.
 */
export const DATABASE_LATENCY = 'database';

function requireCount(times: number): number {
  if (!Number.isInteger(times) || times < 1) throw new RangeError(`times must be a positive integer, got ${times}`);
  return times;
}

/**
 * The faults the emulator injects into open-API calls (both transports). One-shot faults are taken in the
 * order they were scheduled, each by the next call whose apiName matches (or any call for `'*'`), before
 * any other check of that call.
 */
export class FaultPlan {
  private readonly scheduled: ScheduledFault[] = [];
  private readonly latencyByApi = new Map<string, number>();
  private readonly namedOnly: ReadonlySet<string>;

  /** @param namedOnly - apiNames that `'*'` faults and latencies skip: only their own name reaches them */
  constructor(namedOnly: readonly string[] = []) {
    this.namedOnly = new Set(namedOnly);
  }

  /** The next `times` calls of `apiName` answer `errcode` (any non-zero integer). */
  failNext(apiName: string, errcode: number, times = 1): void {
    if (!Number.isInteger(errcode) || errcode === 0) throw new RangeError(`errcode must be a non-zero integer, got ${errcode}`);
    this.scheduled.push({ apiName, fault: { kind: 'fail', errcode }, remaining: requireCount(times) });
  }

  /** Every call of `apiName` answers `errcode` until {@link FaultPlan.clear} (a used-up quota: -501003). */
  failAlways(apiName: string, errcode: number): void {
    if (!Number.isInteger(errcode) || errcode === 0) throw new RangeError(`errcode must be a non-zero integer, got ${errcode}`);
    this.scheduled.push({ apiName, fault: { kind: 'fail', errcode }, remaining: Infinity });
  }

  /** What is scheduled, in order (`remaining` null: until cleared), and the latencies set. */
  list(): { faults: Array<{ api: string; kind: OneShotFault['kind']; errcode?: number; remaining: number | null }>; latencies: Array<{ api: string; ms: number }> } {
    return {
      faults: this.scheduled.map(({ apiName, fault, remaining }) => ({
        api: apiName,
        kind: fault.kind,
        ...(fault.kind === 'fail' ? { errcode: fault.errcode } : {}),
        remaining: Number.isFinite(remaining) ? remaining : null,
      })),
      latencies: [...this.latencyByApi].map(([api, ms]) => ({ api, ms })),
    };
  }

  /** The next `times` calls of `apiName` get a reply the SDK cannot parse. */
  malformedNext(apiName: string, times = 1): void {
    this.scheduled.push({ apiName, fault: { kind: 'malformed' }, remaining: requireCount(times) });
  }

  /** The next `times` calls of `apiName` have their connection destroyed without a reply. */
  dropNext(apiName: string, times = 1): void {
    this.scheduled.push({ apiName, fault: { kind: 'drop' }, remaining: requireCount(times) });
  }

  /** Delays every answer to `apiName` (all APIs when omitted) by `ms`; 0 clears that setting. */
  latency(ms: number, apiName: string = ANY_API): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be a non-negative number of ms, got ${ms}`);
    if (ms === 0) this.latencyByApi.delete(apiName);
    else this.latencyByApi.set(apiName, ms);
  }

  /** Removes every scheduled fault and latency. */
  clear(): void {
    this.scheduled.length = 0;
    this.latencyByApi.clear();
  }

  /** Takes the next one-shot fault for a call of `apiName`, if any. */
  take(apiName: string): OneShotFault | undefined {
    const anyMatches = !this.namedOnly.has(apiName);
    const index = this.scheduled.findIndex((entry) => (anyMatches && entry.apiName === ANY_API) || entry.apiName === apiName);
    const entry = this.scheduled[index];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.scheduled.splice(index, 1);
    return entry.fault;
  }

  /** The delay before answering a call of `apiName`: its own setting, else the one for all APIs, else 0. */
  latencyFor(apiName: string): number {
    return this.latencyByApi.get(apiName) ?? (this.namedOnly.has(apiName) ? 0 : (this.latencyByApi.get(ANY_API) ?? 0));
  }
}
