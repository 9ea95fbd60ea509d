import { AnalyticsError } from '../../errors';
import { AnalyticsApi, WeChatCallError, WeChatClient } from '../client';
import { toCloudShape } from './camel';
import { HTTPS_BAD_BODY, HTTPS_TOKEN_REJECTED_TWICE, STALE_TOKEN_CODES, credentialProblem } from './errors';
import type { JsonHttpClient, JsonReply } from './http';
import { SharedTokenCache, TokenSource } from './token-cache';

type MethodOf<Api> = Api extends `analysis.${infer Method}` ? Method : never;

/**
 * The datacube endpoints of the analytics APIs, by method name (source: the API documents). Keyed by
 * the method alone so that a function's bundle names only the cloud-call API it uses (`npm run check`
 * matches `config.json` permissions against those names).
 */
export const DATACUBE_PATHS: Readonly<Record<MethodOf<AnalyticsApi>, string>> = {
  getMonthlyRetain: '/datacube/getweanalysisappidmonthlyretaininfo',
  getMonthlyVisitTrend: '/datacube/getweanalysisappidmonthlyvisittrend',
};

function datacubePath(api: AnalyticsApi): string {
  return DATACUBE_PATHS[api.slice('analysis.'.length) as MethodOf<AnalyticsApi>];
}

function errcodeOf(reply: JsonReply): number {
  const code = Number(reply.errcode ?? 0);
  return Number.isFinite(code) ? code : -1;
}

/**
 * The token source of a Mini Program's own `access_token`: `POST /cgi-bin/stable_token` in normal mode
 * (never `force_refresh`), which returns the current token and its remaining lifetime. Credential errors
 * become a `CONFIGURATION_ERROR` that says what to fix.
 */
export function stableTokenSource(http: JsonHttpClient, appid: string, secret: string): TokenSource {
  return {
    async fetch(signal) {
      const reply = await http.post('/cgi-bin/stable_token', {}, { grant_type: 'client_credential', appid, secret }, signal);
      const errcode = errcodeOf(reply);
      if (errcode !== 0) {
        const errmsg = String(reply.errmsg ?? '');
        const problem = credentialProblem(errcode, errmsg);
        if (problem) throw new AnalyticsError('CONFIGURATION_ERROR', problem, { wxErrCode: errcode, recovery: 'never', scope: 'api' });
        throw new WeChatCallError(errcode, `stable_token: ${errmsg}`);
      }
      const token = reply.access_token;
      const expiresIn = reply.expires_in;
      if (typeof token !== 'string' || token === '' || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
        throw new WeChatCallError(HTTPS_BAD_BODY, 'stable_token answered without access_token or expires_in');
      }
      return { token, expiresInSeconds: expiresIn };
    },
  };
}

/**
 * The HTTPS transport: `POST /datacube/...?access_token=TOKEN` with `{ begin_date, end_date }`. A token
 * error (40001, 42001, 40014) refreshes the token once, through the shared cache, and retries once; a
 * second one is {@link HTTPS_TOKEN_REJECTED_TWICE}, never a loop. Replies come back in the cloud call's
 * shape (camelCase, no errcode).
 */
export function createHttpsClient(http: JsonHttpClient, tokens: Pick<SharedTokenCache, 'get' | 'refreshAfter'>): WeChatClient {
  return {
    async call(api, dates, options) {
      const signal = options?.signal;
      const body = { begin_date: dates.beginDate, end_date: dates.endDate };
      const path = datacubePath(api);
      const token = await tokens.get(signal);
      let reply = await http.post(path, { access_token: token }, body, signal);
      if (STALE_TOKEN_CODES.has(errcodeOf(reply))) {
        const fresh = await tokens.refreshAfter(token, signal);
        reply = await http.post(path, { access_token: fresh }, body, signal);
        if (STALE_TOKEN_CODES.has(errcodeOf(reply))) {
          throw new WeChatCallError(HTTPS_TOKEN_REJECTED_TWICE, `errcode ${errcodeOf(reply)}: ${String(reply.errmsg ?? '')}`);
        }
      }
      const errcode = errcodeOf(reply);
      if (errcode !== 0) throw new WeChatCallError(errcode, String(reply.errmsg ?? ''));
      return toCloudShape(reply);
    },
  };
}
