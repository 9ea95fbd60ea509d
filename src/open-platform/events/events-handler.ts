import { InvocationContext, createTimeBudget } from '../../budget';
import { InstanceDependencies, createInstance } from '../../pipeline/instance';
import { ComponentSettings, readConfig } from '../../config';
import { ConfigurationError } from '../../errors';
import { createCloudComponentState } from '../cloudbase/component-state';
import { createCloudTokenStore } from '../../platform/cloudbase/token-store';
import { Log, describe } from '../../reply';
import { ComponentApi, ComponentState, createComponentTransport } from '../wechat';
import { openComponentPush } from './handle';
import { HttpReply, refusalReply, successReply } from './http-event';
import { PushResult, storePush } from './store-push';

export { DATACUBE_FUNCSCOPE } from './store-push';

/** What `componentEvents` needs from the outside. Only `cloud` is required; the rest default to the runtime's. */
export interface ComponentEventsDependencies extends InstanceDependencies {
  /** Stands in for the platform's state in the cloud database. */
  state?: ComponentState;
  /** Stands in for WeChat's component endpoints. */
  api?: ComponentApi;
}

/** What one push did, for its log line. */
interface Outcome {
  reply: HttpReply;
  /** `older`: the push is older than the stored state ({@link isOlderPush}), which it left unchanged; answered `success`. */
  result: PushResult | 'refused' | 'failed' | 'not_configured';
  infoType?: string;
  authorizerAppid?: string;
  detail?: string;
}

function plainReply(statusCode: number, body: string): HttpReply {
  return { statusCode, headers: { 'content-type': 'text/plain' }, body, isBase64Encoded: false };
}

/**
 * The `main` of `componentEvents`: the third-party platform's authorization-event URL (授权事件接收 URL),
 * served through CloudBase's HTTP access service. WeChat pushes the ticket every 10 minutes and each
 * authorization change; the function opens the push ({@link openComponentPush}), stores what it says
 * and answers `success` only once it is stored, so that WeChat pushes again whatever was not.
 *
 * - `component_verify_ticket`: kept unless a newer one is stored;
 * - `authorized` / `updateauthorized`: the code is exchanged (`api_query_auth`) and the authorizer stored
 *   with its refresh token and permission sets: `authorized` with set 18, else `needs_reauth` (61007),
 *   so that a Mini Program that did not grant data analysis is listed but not asked;
 * - `unauthorized`: a known authorizer is marked `revoked` (its archived months stay);
 * - any other InfoType: acknowledged.
 *
 * The stored state follows the pushes' `CreateTime`, not their arrival (WeChat retries, so pushes come
 * late and out of order): a push older than the stored ticket or authorizer ({@link isOlderPush}; the
 * same `CreateTime` is not older) changes nothing, is answered `success` and logged as `older`, and an
 * older authorization's code is not exchanged. The check and the write are one conditional update.
 *
 * Replies: 200 `success`; 4xx for a refused push (nothing stored); 500 when the function is not configured
 * for the third-party mode or could not store the push (database, WeChat, time limit): WeChat pushes
 * again. One log line per push with the InfoType and the authorizer AppID, never a credential.
 */
export function createComponentEventsHandler(dependencies: ComponentEventsDependencies) {
  const instance = createInstance(dependencies);
  const { now, env, database } = instance;
  let settings: ComponentSettings | undefined;
  let state = dependencies.state;
  let api = dependencies.api;

  /** The third-party settings, read once per instance; throws a `CONFIGURATION_ERROR` naming the variable. */
  function readSettings(): ComponentSettings {
    if (settings) return settings;
    const config = readConfig(env);
    if (!config.component) {
      throw new ConfigurationError(
        'WECHAT_TRANSPORT',
        `Environment variable WECHAT_TRANSPORT must be component for componentEvents; it is ${config.transport}. Set it, with the WECHAT_COMPONENT_* variables, in the function's configuration.`,
      );
    }
    settings = config.component;
    return settings;
  }

  function wire(current: ComponentSettings): { state: ComponentState; api: ComponentApi } {
    state ??= createCloudComponentState(database(), current.tokenCollection, current.authorizerCollection);
    api ??= createComponentTransport({
      componentAppid: current.componentAppid,
      componentAppsecret: current.componentAppsecret,
      baseUrl: current.baseUrl,
      tokens: createCloudTokenStore(database(), current.tokenCollection),
      state,
      now: () => now().getTime(),
    }).api;
    return { state, api };
  }

  return async function main(event: unknown, context?: InvocationContext): Promise<HttpReply> {
    const startedAt = now().getTime();
    const log: Log = instance.logFor(context);
    const outcome = await handle(event, context, startedAt);
    const failed = outcome.result === 'failed' || outcome.result === 'not_configured';
    log({
      level: failed ? 'error' : outcome.result === 'refused' ? 'warn' : 'info',
      event: 'component_push',
      infoType: outcome.infoType ?? null,
      authorizerAppid: outcome.authorizerAppid ?? null,
      result: outcome.result,
      status: outcome.reply.statusCode,
      ...(outcome.detail === undefined ? {} : { detail: outcome.detail }),
      durationMs: now().getTime() - startedAt,
    });
    return outcome.reply;
  };

  async function handle(event: unknown, context: InvocationContext | undefined, startedAt: number): Promise<Outcome> {
    let current: ComponentSettings;
    let opened: ReturnType<typeof openComponentPush>;
    try {
      current = readSettings();
      opened = openComponentPush(event, { componentAppid: current.componentAppid, token: current.token, encodingAesKey: current.encodingAesKey, now: now() });
    } catch (error) {
      // The variable to set, and nothing else: the error's own field.
      const variable = error instanceof ConfigurationError ? error.variable : 'WECHAT_TRANSPORT';
      return {
        reply: plainReply(500, `componentEvents is not configured: set ${variable} in the function's configuration (its log says why).`),
        result: 'not_configured',
        detail: describe(error),
      };
    }
    if (!opened.ok) return { reply: refusalReply(opened), result: 'refused', detail: opened.reason };

    const message = opened.message;
    const infoType = message.kind === 'other' ? message.infoType : message.kind;
    const authorizerAppid = 'authorizerAppid' in message ? message.authorizerAppid : undefined;
    const budget = createTimeBudget(context, startedAt, () => now().getTime());
    const untrack = instance.track(budget);
    try {
      const result = await storePush(message, current.componentAppid, wire(current), budget, now);
      const detail = result === 'older' ? `CreateTime ${message.createTime} is older than the stored state's: nothing changed` : undefined;
      return { reply: successReply(), result, infoType, authorizerAppid, ...(detail === undefined ? {} : { detail }) };
    } catch (error) {
      return {
        reply: plainReply(500, 'The push could not be stored; WeChat will push it again.'),
        result: 'failed',
        infoType,
        authorizerAppid,
        detail: describe(error),
      };
    } finally {
      untrack();
      budget.end();
    }
  }
}
