import type { CallerContext, Principal } from '../access';
import type { MonthlyContext } from '../archive/read-through';
import type { ArchiveOwner } from '../archive/store';
import type { SyncFailure, SyncReply, SyncSummary, YearMonth } from '../contract';
import type { ReportDefinition } from '../reports/report';
import type { WeChatClient } from '../wechat/client';

/**
 * The Mini Program a call serves: whose figures (`appid`: `null` for the environment's own, else an
 * authorizer's AppID) and WeChat as that Mini Program (`client`: its calls need no AppID).
 */
export interface Tenant {
  appid: ArchiveOwner;
  client: WeChatClient;
}

/** One sync invocation, as a tenancy plans it. */
export interface SyncPlan {
  reports: readonly ReportDefinition<unknown>[];
  months: YearMonth[];
  monthly: MonthlyContext;
  /** A timer run (the daily walk), or an admin's backfill. */
  timer: boolean;
  /** Starts one shard of a fanned-out timer run: `result` of `cloud.callFunction` of this same function. */
  callShard: (data: Record<string, unknown>, timeoutMs: number) => Promise<unknown>;
  /** This run, as a lease holder. */
  holder: string;
  /** What the platform says of the caller. */
  caller: CallerContext;
}

/** What a request only one tenancy serves gave: a reply, or a shard's summary (replied as any sync's). */
export type SpecialOutcome = { reply: SyncReply } | { shard: { summary: SyncSummary; months: YearMonth[] } };

/**
 * Which Mini Programs the functions serve, and how: the environment's own (`single`), or every one
 * that authorised a third-party platform (`open-platform`, in `src/open-platform/`'s terms the
 * authorizers). Picked once from the configuration (`createTenancy`); nothing else in `src/` asks which.
 */
export interface Tenancy {
  readonly kind: 'single' | 'open-platform';
  /**
   * The tenant a call names, and the rest of its call data: for a report call (`required`) exactly one
   * Mini Program; for a sync, one (`appid`) or all (`tenant` undefined). Throws `INVALID_ARGUMENT` for
   * an AppID this tenancy does not take, `FORBIDDEN` for one the admin may not read.
   */
  tenantFor(event: unknown, principal: Principal, client: WeChatClient, required: boolean): { tenant?: Tenant; rest: unknown };
  /** The sync of a timer run or an admin's backfill (`tenant` given: that one Mini Program), under no lease of its own. */
  sync(plan: SyncPlan, tenant?: Tenant): Promise<SyncSummary>;
  /**
   * Requests only this tenancy serves, answered here: a shard of a fanned-out timer run, an admin's
   * `{ reconcile: true }`. Undefined when the request is an ordinary sync. Throws `INVALID_ARGUMENT`
   * for one it does not serve.
   */
  special(plan: Omit<SyncPlan, 'months'>, event: unknown, rest: unknown, tenant?: Tenant): Promise<SpecialOutcome | undefined>;
  /** The failure that fails a run, when there is one: one of ours (see each tenancy). */
  permanentFailure(summary: SyncSummary): SyncFailure | undefined;
}
