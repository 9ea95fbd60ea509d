import type { ReconciliationSummary } from '../../contract';
import { AnalyticsError } from '../../errors';
import { fromDatabaseError } from '../../platform/cloudbase/database-errors';
import { describe } from '../../reply';
import { WeChatCallError } from '../../wechat/client';
import { ReconcileOptions, reconcileIfDue } from './reconcile';
import { HTTPS_TRANSPORT_FAILURES } from '../../wechat/https/errors';
import type { TransportFailure } from '../../contract';

export type { ReconciliationSummary };

/**
 * The sync's reconciliation step (third-party mode): {@link reconcileIfDue}, at most once a China-time
 * day for the timer, or now for an admin's `{ reconcile: true }` (`force`). Never throws: what it did
 * is the summary's `reconciliation` (undefined when it was not due), and a failure is its `error`, logged
 * at error level. A failed reconciliation does not stop the sync of the authorizers already known; it
 * is not stamped, so the next timer run tries again.
 */
/** WeChat's code as the caller sees it: the HTTPS transport's own codes are a `transport` failure, not a `wxErrCode`. */
function codeOf(errCode: number | undefined): { wxErrCode?: number; transport?: TransportFailure } {
  if (errCode === undefined) return {};
  const transport = HTTPS_TRANSPORT_FAILURES[errCode];
  return transport === undefined ? { wxErrCode: errCode } : { transport };
}

export async function reconciliationStep(options: ReconcileOptions & { force?: boolean }): Promise<ReconciliationSummary | undefined> {
  try {
    const run = await reconcileIfDue(options);
    if (!run.ran) return undefined;
    const { listed, added, refreshed, revoked, complete, stoppedBy, wxErrCode, incomplete } = run.summary;
    const summary: ReconciliationSummary = { listed, added, refreshed, revoked, complete };
    // Only a failure is an error: the time running out (or a list that changed) is tried again next run.
    if (!complete && (stoppedBy === 'wechat' || stoppedBy === 'database')) {
      summary.error = new AnalyticsError('UPSTREAM_ERROR', `The authorizers were not reconciled in full: ${incomplete ?? 'a request failed'}; the next timer run tries again.`, {
        ...codeOf(wxErrCode),
        recovery: 'later',
      }).toBody();
    }
    return summary;
  } catch (error) {
    const typed =
      error instanceof AnalyticsError
        ? error
        : error instanceof WeChatCallError
          ? new AnalyticsError('UPSTREAM_ERROR', `WeChat did not give the list of authorizers (api_get_authorizer_list, ${error.errCode}); the next timer run tries again.`, {
              ...codeOf(error.errCode),
              recovery: 'later',
            })
          : fromDatabaseError(error, 'Reconciling the stored authorizers');
    options.log({ level: 'error', event: 'reconcile_failed', error: describe(error) });
    return { listed: 0, added: 0, refreshed: 0, revoked: 0, complete: false, error: typed.toBody() };
  }
}
