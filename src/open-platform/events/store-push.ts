import type { TimeBudget } from '../../budget';
import { WeChatCallError } from '../../wechat/client';
import { ComponentApi, ComponentState, isOlderPush } from '../wechat';
import type { ComponentEvent } from './events';

/** api_query_auth's answers for an authorization code already used (61009) or expired (61010). */
const USED_CODE_ERRORS: ReadonlySet<number> = new Set([61009, 61010]);

/** The permission set the datacube calls need (开发管理与数据分析权限). */
export const DATACUBE_FUNCSCOPE = 18;
/** WeChat's code for "the authorizer has not granted the permission set". */
const FUNCSCOPE_NOT_GRANTED = 61007;

/** What storing a push did: `stored`, `acknowledged` (nothing to store), or `older` (older than the stored state: unchanged). */
export type PushResult = 'stored' | 'acknowledged' | 'older';

/**
 * Stores what one opened push says, within `budget` (see `createComponentEventsHandler` for the rules):
 * the ticket; an authorisation (its code exchanged by `api_query_auth` unless the push is older than the
 * stored state); a revocation. Rejects when it could not be stored (the database, WeChat, the deadline),
 * so that the push is answered 500 and WeChat pushes it again.
 */
export async function storePush(
message: ComponentEvent,
componentAppid: string,
ports: { state: ComponentState; api: ComponentApi },
budget: TimeBudget,
now: () => Date,
): Promise<PushResult> {
  switch (message.kind) {
    case 'component_verify_ticket':
      return await budget.race(ports.state.writeTicket(componentAppid, message.ticket, message.createTime * 1000), 'storing the ticket');
    case 'authorized':
    case 'updateauthorized': {
      // An older push than the stored state is dropped before its code is exchanged: the call is not
      // free, and the code may be used already.
      const known = await budget.race(ports.state.readAuthorizer(message.authorizerAppid), 'reading the authorizer');
      if (isOlderPush(message.createTime, known?.eventCreateTime)) return 'older';
      let granted: Awaited<ReturnType<ComponentApi['queryAuth']>>;
      try {
        granted = await budget.race(ports.api.queryAuth(message.authorizationCode, budget.signal), "WeChat's answer to api_query_auth");
      } catch (error) {
        // WeChat pushes again when a reply is slow; the code is single-use (61009 once used). A push
        // already stored (the authorizer updated since it was sent) is acknowledged, not failed for ever.
        if (error instanceof WeChatCallError && USED_CODE_ERRORS.has(error.errCode)) {
          const stored = await budget.race(ports.state.readAuthorizer(message.authorizerAppid), 'reading the authorizer');
          if (stored && ((stored.eventCreateTime ?? 0) >= message.createTime || stored.updatedAt >= message.createTime * 1000)) return 'acknowledged';
        }
        throw error;
      }
      if (granted.authorizerAppid !== message.authorizerAppid) {
        throw new Error('api_query_auth answered for another authorizer than the push names');
      }
      const datacube = granted.funcs.includes(DATACUBE_FUNCSCOPE);
      return await budget.race(
        ports.state.storeAuthorization({
          authorizerAppid: granted.authorizerAppid,
          refreshToken: granted.refreshToken,
          funcs: granted.funcs,
          status: datacube ? 'authorized' : 'needs_reauth',
          problem: datacube ? null : FUNCSCOPE_NOT_GRANTED,
          updatedAt: now().getTime(),
          eventCreateTime: message.createTime,
        }),
        'storing the authorizer',
      );
    }
    case 'unauthorized': {
      const written = await budget.race(
        ports.state.revokeAuthorizer(message.authorizerAppid, message.createTime, now().getTime()),
        'storing the authorizer',
      );
      return written === 'unknown' ? 'acknowledged' : written;
    }
    case 'other':
      return 'acknowledged';
  }
}
