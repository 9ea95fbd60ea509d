import { AnalyticsError } from '../../errors';
import { WeChatCallError } from '../../wechat/client';
import { HTTPS_BAD_BODY, credentialProblem } from '../../wechat/https/errors';
import type { JsonReply } from '../../wechat/https/http';
import { REAUTHORIZE_CODES } from './errors';

/** WeChat's `errcode` of a component endpoint's reply (0 when absent; -1 when not a number). */
export function errcodeOf(reply: JsonReply): number {
  const code = Number(reply.errcode ?? 0);
  return Number.isFinite(code) ? code : -1;
}

/** A failure of a token endpoint: a remembered configuration error, or a code for the error table. */
export function tokenEndpointError(endpoint: string, reply: JsonReply): Error {
  const errcode = errcodeOf(reply);
  const errmsg = String(reply.errmsg ?? '');
  const problem =
    errcode === 61004
      ? `WeChat refused the platform's call from this IP (61004): add the function's fixed egress IP to the third-party platform's IP allowlist (open platform console → 开发资料).`
      : errcode === 40125 || errcode === 41004
        ? `WeChat refused the component AppSecret (${errcode}): set WECHAT_COMPONENT_APPSECRET to the platform's current AppSecret.`
        : errcode === 40013 || errcode === 41002
          ? `WeChat does not know the component AppID (${errcode}): set WECHAT_COMPONENT_APPID.`
          : credentialProblem(errcode, errmsg);
  if (problem && !REAUTHORIZE_CODES.has(errcode)) {
    return new AnalyticsError('CONFIGURATION_ERROR', problem, { wxErrCode: errcode, recovery: 'never', scope: 'api' });
  }
  return new WeChatCallError(errcode, `${endpoint}: ${errmsg}`);
}

/** The token of a token endpoint's reply and its lifetime; a reply without them is `HTTPS_BAD_BODY`. */
export function tokenOf(reply: JsonReply, field: string): { token: string; expiresInSeconds: number } {
  const token = reply[field];
  const expiresIn = reply.expires_in;
  if (typeof token !== 'string' || token === '' || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
    throw new WeChatCallError(HTTPS_BAD_BODY, `the token endpoint answered without ${field} or expires_in`);
  }
  return { token, expiresInSeconds: expiresIn };
}
