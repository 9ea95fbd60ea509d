import { isTimerChain } from '../access';
import { invalidArgument } from '../errors';
import { hasShard } from '../open-platform/sync/fan-out';
import { syncArchive } from '../sync/sync';
import { isReconcileRequest } from './requests';
import type { Tenancy } from './tenancy';

const THIRD_PARTY_ONLY = 'is only for the third-party mode (WECHAT_TRANSPORT=component); this function serves its own Mini Program.';

/**
 * The environment's own Mini Program (`WECHAT_TRANSPORT` `cloud` or `https`): every call serves it
 * (`appid` `null`), an `appid` in the call data is refused, and a run fails on any failure no later run
 * can fix.
 */
export function singleTenancy(): Tenancy {
  return {
    kind: 'single',
    tenantFor(event, _principal, client) {
      if (typeof event === 'object' && event !== null && !Array.isArray(event) && 'appid' in event) {
        const { appid, ...rest } = event as Record<string, unknown>;
        if (appid !== undefined) throw invalidArgument(`appid ${THIRD_PARTY_ONLY}`);
        return { tenant: { appid: null, client }, rest };
      }
      return { tenant: { appid: null, client }, rest: event };
    },
    sync: (plan) => syncArchive(plan.reports, plan.months, plan.monthly),
    async special(plan, event, rest) {
      if (!plan.timer && isReconcileRequest(rest)) throw invalidArgument(`{ reconcile: true } ${THIRD_PARTY_ONLY}`);
      if (plan.timer && hasShard(event) && isTimerChain(plan.caller)) throw invalidArgument(`A shard run ${THIRD_PARTY_ONLY}`);
      return undefined;
    },
    permanentFailure: (summary) => summary.failures.find((failure) => !failure.retryLater),
  };
}
