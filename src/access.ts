import { ADMIN_OPENIDS_VARIABLE, AnalyticsConfig } from './config';
import { AnalyticsError } from './errors';

/** What `cloud.getWXContext()` says about the caller; set by the platform, not by the event. */
export interface CallerContext {
  OPENID?: string;
  SOURCE?: string;
}

/** Who is being served. */
export type Principal = { kind: 'admin'; openid: string } | { kind: 'timer' };

const TIMER_SOURCE = 'wx_trigger';
/** SOURCE of an invocation that a timer-started cloud function made with `cloud.callFunction`. */
const TIMER_CHAIN_SOURCE = 'wx_trigger,scf';

/**
 * True when the platform started this invocation from the function's timer trigger: SOURCE
 * `wx_trigger` and no OPENID. Decided from the platform's context alone, never from the event.
 */
export function isTimerRun(context: CallerContext): boolean {
  return (context.OPENID ?? '') === '' && context.SOURCE === TIMER_SOURCE;
}

/**
 * True when a cloud function of this environment that its timer started called this one
 * (`cloud.callFunction`): SOURCE `wx_trigger,scf` (the platform joins the chain; a Mini Program's chain
 * starts with `wx_client`) and no OPENID. This is how the sync's fan-out shards run; no event field
 * can make a call look like one.
 */
export function isTimerChain(context: CallerContext): boolean {
  return (context.OPENID ?? '') === '' && context.SOURCE === TIMER_CHAIN_SOURCE;
}

/**
 * Decides from the platform's context alone whether the caller may read analytics: an admin listed
 * in `ANALYTICS_ADMIN_OPENIDS`, or the function's own timer (with `acceptTimerChain`, also a run that a
 * timer run started: the sync's shards). Throws `FORBIDDEN` otherwise.
 */
export function authorize(context: CallerContext, config: Pick<AnalyticsConfig, 'adminOpenids'>, acceptTimerChain = false): Principal {
  const openid = context.OPENID ?? '';
  if (openid === '') {
    if (isTimerRun(context) || (acceptTimerChain && isTimerChain(context))) return { kind: 'timer' };
    throw new AnalyticsError(
      'FORBIDDEN',
      'Analytics are served to the Mini Program\'s admins and to the timer only; this caller has no OPENID.',
    );
  }
  if (!config.adminOpenids.has(openid)) {
    throw new AnalyticsError(
      'FORBIDDEN',
      `OPENID ${openid} is not an analytics admin; to grant access, add it to ${ADMIN_OPENIDS_VARIABLE}.`,
    );
  }
  return { kind: 'admin', openid };
}

/**
 * Checks that `principal` may read the figures of `appid` (third-party mode): the timer and unrestricted
 * admins may read every authorizer; an admin listed as `OPENID@wxA|wxB` only those. Throws `FORBIDDEN`.
 */
export function authorizeAppid(principal: Principal, appid: string, config: Pick<AnalyticsConfig, 'adminScopes'>): void {
  if (principal.kind === 'timer') return;
  const scope = config.adminScopes.get(principal.openid);
  if (scope && !scope.has(appid)) {
    throw new AnalyticsError(
      'FORBIDDEN',
      `OPENID ${principal.openid} is an analytics admin of other Mini Programs, not of ${appid}; to grant access, add ${appid} to its entry in ${ADMIN_OPENIDS_VARIABLE} (OPENID@wxAPPID1|wxAPPID2).`,
    );
  }
}
