import type { ArchiveStore, ArchivedMonth } from '../../src/archive/store';
import { archiveId } from '../../src/archive/store';
import { giveLeaseBack, takeLease } from '../../src/store/lease';
import { createMemoryDocuments } from '../../src/store/memory';
import { REPLY_MARGIN_MS, TimeBudget, createTimeBudget } from '../../src/budget';
import { MonthlyContext, createInstanceState } from '../../src/archive/read-through';
import { AnalyticsApi, WeChatCallError, WeChatClient, WeChatReply } from '../../src/wechat/client';

/** An archive in a Map (documents as the database would hold them), with switches to make reads or writes fail. */
export function memoryArchive() {
  const documents = new Map<string, unknown>();
  const leaseDocuments = createMemoryDocuments();
  const leases = leaseDocuments.documents;
  const state = { failWritesFor: new Set<string>(), failReads: false, writes: 0 };
  const store: ArchiveStore = {
    async read(kind, months, appid) {
      if (state.failReads) throw new Error('database unavailable');
      const found = new Map<string, unknown>();
      for (const month of months) {
        const id = archiveId(kind, month, appid);
        if (documents.has(id)) found.set(month, documents.get(id));
      }
      return found;
    },
    async write(entry: ArchivedMonth & { figures: boolean }, expected?: { fetchedAt: Date }) {
      if (state.failWritesFor.has(entry.month)) throw new Error('write refused');
      const id = archiveId(entry.kind, entry.month, entry.appid);
      const current = documents.get(id) as { figures?: unknown; fetchedAt?: unknown } | undefined;
      // As the CloudBase adapter: without figures, only over a document without figures (or the one read).
      const over =
        current === undefined ||
        entry.figures ||
        current.figures === false ||
        (current.figures === undefined && expected !== undefined && current.fetchedAt instanceof Date && current.fetchedAt.getTime() === expected.fetchedAt.getTime());
      if (!over) return 'kept';
      state.writes += 1;
      documents.set(id, { _id: id, ...entry });
      return 'written';
    },
    // The same lease policy as the CloudBase adapter's, over the same port (store/lease.ts).
    acquireLease: (name, holder, until, now) => takeLease(leaseDocuments, name, holder, until, now, 961_000),
    releaseLease: (name, holder) => giveLeaseBack(leaseDocuments, name, holder),
    async readMark(name) {
      return documents.get(`mark_${name}`);
    },
    async writeMark(name, mark) {
      documents.set(`mark_${name}`, { _id: `mark_${name}`, ...mark, kind: 'mark' });
    },
    async removeMark(name) {
      documents.delete(`mark_${name}`);
    },
  };
  return { store, documents, leases, state };
}

/** A time budget whose deadline is `deadline` (epoch ms) on the clock `now`. */
export function budgetUntil(deadline: number, now: () => Date = () => new Date('2024-06-15T02:00:00Z')): TimeBudget {
  const startedAt = now().getTime();
  return createTimeBudget({ getRemainingTimeInMillis: () => deadline - startedAt + REPLY_MARGIN_MS }, startedAt, () => now().getTime());
}

/** A WeChat client that answers from a function and counts calls; `failures` maps "api month" to an errcode. */
export function scriptedClient(answer: (api: AnalyticsApi, month: string) => WeChatReply) {
  const calls: string[] = [];
  const failures = new Map<string, number>();
  const client: WeChatClient = {
    async call(api, dates) {
      const month = `${dates.beginDate.slice(0, 4)}-${dates.beginDate.slice(4, 6)}`;
      calls.push(`${api} ${month}`);
      const code = failures.get(`${api} ${month}`);
      if (code !== undefined) throw new WeChatCallError(code, `failed with ${code}`);
      return answer(api, month);
    },
  };
  return { client, calls, failures };
}

/** Plausible replies for any month. */
export function plausibleReply(api: AnalyticsApi, month: string, withKeyOne = true): WeChatReply {
  const refDate = month.replace('-', '');
  if (api === 'analysis.getMonthlyRetain') {
    const series = (base: number) => (withKeyOne ? [{ key: 0, value: base }, { key: 1, value: base / 4 }] : [{ key: 0, value: base }]);
    return { refDate, visitUvNew: series(400), visitUv: series(1000) };
  }
  return { list: [{ refDate, sessionCnt: 3000, visitPv: 9000, visitUv: 1000, visitUvNew: 400, stayTimeSession: 12.5, visitDepth: 3.1 }] };
}

/** A MonthlyContext over fakes, with a fixed clock. */
export function testContext(overrides: Partial<MonthlyContext> & Pick<MonthlyContext, 'client' | 'archive'>): MonthlyContext & { logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const now = overrides.now ?? (() => new Date('2024-06-15T02:00:00Z'));
  return {
    now,
    appid: null,
    budget: budgetUntil(now().getTime() + 60_000, now),
    timing: { slowestFetchMs: 0 },
    stopped: new Map(),
    instance: createInstanceState(),
    concurrency: 4,
    functionName: 'getMonthlyRetain',
    log: (entry) => logs.push(entry),
    logs,
    ...overrides,
  };
}

/** A fake clock for retries (starting at 0): sleeping moves it forward; `slept` lists the delays; jitter is neutral. */
export function fakeRetryClock() {
  let clock = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => clock,
    sleep: async (ms: number) => {
      slept.push(ms);
      clock += ms;
    },
    random: () => 0.5,
  };
}
