import { authorizeAppid, type Principal } from '../access';
import type { AnalyticsConfig } from '../config';
import { echo, invalidArgument } from '../errors';
import { APPID_PATTERN as APPID } from '../config/values';


/**
 * Splits `appid` off the call data and checks that `principal` may read it. In third-party mode it
 * names the authorizer (required when `required`); in the other modes the environment's own Mini
 * Program is served (`appid: null`) and an `appid` is refused. Throws `INVALID_ARGUMENT` or `FORBIDDEN`.
 */
export function takeAppid(
  event: unknown,
  config: AnalyticsConfig,
  principal: Principal,
  required: boolean,
): { appid: string | null; rest: unknown } {
  const missing = () => invalidArgument("Send { appid: 'wx…' } with the call: this platform serves many Mini Programs.");
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    if (required) throw missing();
    return { appid: null, rest: event };
  }
  const { appid, ...rest } = event as Record<string, unknown>;
  if (appid === undefined) {
    if (required) throw missing();
    return { appid: null, rest };
  }
  if (config.transport !== 'component') {
    throw invalidArgument('appid is only for the third-party mode (WECHAT_TRANSPORT=component); this function serves its own Mini Program.');
  }
  if (typeof appid !== 'string' || !APPID.test(appid)) throw invalidArgument(`appid must be a Mini Program AppID (wx and 16 characters); got ${echo(appid)}.`);
  authorizeAppid(principal, appid, config);
  return { appid, rest };
}
