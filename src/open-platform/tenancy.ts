import { authorizeAppid, isTimerChain } from '../access';
import { REPLY_MARGIN_MS } from '../budget';
import type { FanOutSettings } from '../config';
import type { SyncSummary } from '../contract';
import { echo, invalidArgument } from '../errors';
import { APPID_PATTERN } from '../config/values';
import { FanOut, isPlatformFailure, syncAuthorizers } from './sync/authorizers';
import { hasShard, parseShardRequest } from './sync/fan-out';
import { reconciliationStep } from './sync/reconcile-run';
import { syncUnderLease } from '../sync/sync';
import { bindAppid } from '../wechat/client';
import type { AuthorizerListApi, ComponentState } from './wechat';
import { isReconcileRequest } from '../tenancy/requests';
import type { SyncPlan, Tenancy, Tenant } from '../tenancy/tenancy';

/** What the open-platform tenancy needs: the platform's settings and its state. */
export interface OpenPlatformPorts {
  componentAppid: string;
  fanOut: FanOutSettings;
  /** Admins limited to some authorizers (`OPENID@wxAPPID1|wxAPPID2`). */
  adminScopes: ReadonlyMap<string, ReadonlySet<string>>;
  state: ComponentState;
  authorizerList?: AuthorizerListApi;
}

const missing = () => invalidArgument("Send { appid: 'wx…' } with the call: this platform serves many Mini Programs.");

/**
 * The Mini Programs that authorised a third-party platform (`WECHAT_TRANSPORT=component`): a report
 * call names its authorizer (`appid`), which the admin must be allowed to read; a sync walks one or all
 * of them (a scoped admin only its own), the timer's fanned out in shards and reconciled once a day with
 * WeChat's list; a run fails on the platform's own failures (its ticket, its configuration), not on one
 * authorizer's.
 */
export function openPlatformTenancy(ports: OpenPlatformPorts): Tenancy {
  const reconcile = (plan: Omit<SyncPlan, 'months'>, force: boolean) =>
    ports.authorizerList
      ? reconciliationStep({ componentAppid: ports.componentAppid, api: ports.authorizerList, state: ports.state, budget: plan.monthly.budget, now: plan.monthly.now, log: plan.monthly.log, force })
      : Promise.resolve(undefined);
  return {
    kind: 'open-platform',
    tenantFor(event, principal, client, required) {
      const fields = typeof event === 'object' && event !== null && !Array.isArray(event) ? (event as Record<string, unknown>) : undefined;
      const { appid, ...rest } = fields ?? {};
      if (appid === undefined) {
        if (required) throw missing();
        if (principal.kind === 'admin' && ports.adminScopes.has(principal.openid)) {
          throw invalidArgument('This admin may sync only its own Mini Programs: send { appid } with the backfill.');
        }
        return { rest: fields ? rest : event };
      }
      if (typeof appid !== 'string' || !APPID_PATTERN.test(appid)) throw invalidArgument(`appid must be a Mini Program AppID (wx and 16 characters); got ${echo(appid)}.`);
      authorizeAppid(principal, appid, ports);
      const tenant: Tenant = { appid, client: bindAppid(client, appid) };
      return { tenant, rest };
    },
    async sync(plan, tenant) {
      const { monthly } = plan;
      const { budget } = monthly;
      const fanOut: FanOut | undefined = plan.timer
        ? { ...ports.fanOut, invoke: (request) => plan.callShard({ shard: request }, Math.max(budget.remaining(), 0) + REPLY_MARGIN_MS) }
        : undefined;
      // Before the walk, so that an authorisation it recovers is synced in this very run.
      const reconciliation = plan.timer ? await reconcile(plan, false) : undefined;
      const walk = tenant?.appid ? { kind: 'one' as const, appid: tenant.appid } : plan.timer ? { kind: 'daily' as const } : { kind: 'all' as const };
      const walked = await syncAuthorizers(plan.reports, plan.months, monthly, ports.state, walk, fanOut);
      return reconciliation ? { ...walked, reconciliation } : walked;
    },
    async special(plan, event, rest, tenant) {
      if (!plan.timer && isReconcileRequest(rest)) {
        if (tenant) throw invalidArgument('{ reconcile: true } reconciles every authorizer of the platform: send it without appid.');
        const work = async (): Promise<SyncSummary> => ({ fetched: 0, skipped: 0, failed: 0, deferred: 0, failures: [], reconciliation: await reconcile(plan, true) });
        const reconciled = await syncUnderLease(work, 0, plan.monthly, plan.holder, plan.monthly.budget.leaseUntil());
        const error = reconciled.reconciliation?.error;
        return { reply: error ? { ok: false, error, data: reconciled } : { ok: true, data: reconciled } };
      }
      if (plan.timer && hasShard(event) && isTimerChain(plan.caller)) {
        // One of the shards a timer run started (see sync/fan-out.ts): it runs inside that run's lease and ends before it does.
        const shard = parseShardRequest(event, plan.monthly.now());
        const summary = await syncAuthorizers(plan.reports, shard.months, plan.monthly, ports.state, { kind: 'shard', appids: shard.appids });
        return { shard: { summary, months: shard.months } };
      }
      return undefined;
    },
    permanentFailure: (summary) => summary.failures.find(isPlatformFailure),
  };
}
