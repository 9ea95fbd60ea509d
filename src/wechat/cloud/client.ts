import { unexpectedReply } from '../../reports/numbers';
import { AnalyticsApi, WeChatCallError, WeChatClient, WeChatReply } from '../client';
import { cloudBaseCodeNamed } from './errors';
import { withPlainNumbers } from './numbers';

type OpenApiMethod = (params: Record<string, unknown>) => Promise<unknown>;

/** The part of `wx-server-sdk` the cloud-call transport needs. */
export interface CloudOpenApi {
  openapi: Record<string, Record<string, OpenApiMethod | undefined> | undefined>;
}

/**
 * The cloud-call transport: `cloud.openapi.analysis.getMonthlyRetain({ beginDate, endDate })`, with
 * camelCase parameters, as `wx-server-sdk` expects. Drops the SDK's `errMsg`/`errCode` from replies.
 */
export function createCloudClient(cloud: CloudOpenApi): WeChatClient {
  return {
    async call(api, dates) {
      const method = lookUp(cloud, api);
      let reply: unknown;
      try {
        reply = await method({ beginDate: dates.beginDate, endDate: dates.endDate });
      } catch (error) {
        throw toCallError(error);
      }
      if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) {
        throw unexpectedReply(`${api} gave ${Array.isArray(reply) ? 'a list' : typeof reply} instead of an object`);
      }
      const { errMsg: _errMsg, errCode: _errCode, ...data } = reply as WeChatReply;
      // wx-server-sdk spreads a body that is a JSON string into an object keyed '0', '1', ...
      if (Object.keys(data).some((key) => /^\d+$/.test(key))) throw unexpectedReply(`${api} gave a body that is not a JSON object`);
      return withPlainNumbers(data) as WeChatReply;
    },
  };
}

function lookUp(cloud: CloudOpenApi, api: AnalyticsApi): OpenApiMethod {
  const [namespace = '', name = ''] = api.split('.');
  const method = cloud.openapi[namespace]?.[name];
  if (typeof method !== 'function') throw new WeChatCallError(-604100, `wx-server-sdk has no openapi.${api}.`);
  return method;
}

/**
 * wx-server-sdk's error as a {@link WeChatCallError}: its numeric `errCode`; or, when that is missing or
 * -1 (its "unknown") and the error carries one of CloudBase's codes in its string form (`code:
 * 'EXCEED_CONCURRENT_REQUEST_LIMIT'`, as node-sdk's `TcbError` does), that code's number.
 */
function toCallError(error: unknown): WeChatCallError {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as { errCode?: unknown; errMsg?: unknown; message?: unknown; code?: unknown };
  const numeric = Number(fields.errCode);
  const code = Number.isInteger(numeric) ? numeric : -1;
  const message = String(fields.errMsg ?? fields.message ?? error);
  return new WeChatCallError(code === -1 ? (cloudBaseCodeNamed(fields.code) ?? -1) : code, message);
}
