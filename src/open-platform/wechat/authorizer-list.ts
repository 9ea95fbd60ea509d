import { WeChatCallError } from '../../wechat/client';
import { HTTPS_BAD_BODY, HTTPS_CONNECTION_FAILED } from '../../wechat/https/errors';
import type { JsonReply } from '../../wechat/https/http';
import { APPID_PATTERN as APPID } from '../../config/values';

/** The most `api_get_authorizer_list` gives per call (its `count`, "最大为 500"). */
export const AUTHORIZER_LIST_PAGE = 500;
/** What WeChat's AppIDs look like; an entry naming anything else is left out. */

/** One authorizer as `api_get_authorizer_list` lists it (WeChat's field names, camelCased). */
export interface ListedAuthorizer {
  authorizerAppid: string;
  /** Its current `authorizer_refresh_token`; never logged, never replied. */
  refreshToken: string;
  /** When it authorised the platform: Unix time in **seconds**, by WeChat's clock. */
  authTime: number;
}

/** The whole list, as read page after page. */
export interface AuthorizerList {
  /** The entries that could be read, each AppID once, in WeChat's order. */
  entries: ListedAuthorizer[];
  /** `total_count` of the last page read. */
  totalCount: number;
  /** Entries left out: no valid AppID, refresh token or `auth_time`. */
  unreadableEntries: number;
  /** AppIDs of unreadable entries that still named a valid AppID: listed, though nothing else is known. */
  unreadableAppids: string[];
  /**
   * True when the pages add up to one consistent list: every page gave the same `total_count`, no AppID
   * came twice, the entries (readable or not) number `total_count`, and every unreadable entry had an
   * AppID. False means an authorizer may be missing from `entries` although WeChat lists it (the list
   * changed while it was read, offsets shifted): absence from it proves nothing.
   */
  consistent: boolean;
}

/** Sends one page request: `{ component_appid, offset, count }` with the component token; the reply as sent. */
export type ListPagePost = (body: { offset: number; count: number }, signal?: AbortSignal) => Promise<JsonReply>;

/**
 * Reads every page of `POST /cgi-bin/component/api_get_authorizer_list` (拉取所有已授权的帐号信息,
 * https://developers.weixin.qq.com/doc/oplatform/openApi/authorization-management/api_getauthorizerlist.html:
 * body `{ component_appid, offset, count ≤ 500 }`, reply `{ total_count, list: [{ authorizer_appid,
 * refresh_token, auth_time }] }`), {@link AUTHORIZER_LIST_PAGE} at a time, until `total_count` entries or
 * an empty page. `onPage` gets each page's readable entries as they arrive (a caller keeps what it read
 * when a later page fails). `post` must raise WeChat's errors (errcode ≠ 0) itself.
 * @throws WeChatCallError {@link HTTPS_BAD_BODY} for a page that is not the documented shape; whatever
 *   `post` raises; {@link HTTPS_CONNECTION_FAILED} once `signal` is aborted between pages. Never a shorter list.
 */
export async function readAuthorizerList(
  post: ListPagePost,
  signal?: AbortSignal,
  onPage?: (entries: readonly ListedAuthorizer[]) => void,
): Promise<AuthorizerList> {
  const seen = new Set<string>();
  const list: AuthorizerList = { entries: [], totalCount: 0, unreadableEntries: 0, unreadableAppids: [], consistent: true };
  let firstTotal: number | undefined;
  let offset = 0;
  for (;;) {
    if (signal?.aborted) throw new WeChatCallError(HTTPS_CONNECTION_FAILED, `api_get_authorizer_list was not read past offset ${offset}: the call's time was up`);
    const reply = await post({ offset, count: AUTHORIZER_LIST_PAGE }, signal);
    const { total_count: total, list: page } = reply;
    if (typeof total !== 'number' || !Number.isInteger(total) || total < 0 || !Array.isArray(page)) {
      throw new WeChatCallError(HTTPS_BAD_BODY, `api_get_authorizer_list answered without total_count or list at offset ${offset}`);
    }
    firstTotal ??= total;
    if (total !== firstTotal) list.consistent = false;
    list.totalCount = total;
    const readable: ListedAuthorizer[] = [];
    for (const item of page as unknown[]) {
      const { authorizer_appid: appid, refresh_token: refreshToken, auth_time: authTime } = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
      const validAppid = typeof appid === 'string' && APPID.test(appid);
      if (validAppid && seen.has(appid)) {
        list.consistent = false; // offsets shifted between pages: the same entry twice
        continue;
      }
      if (validAppid) seen.add(appid);
      if (validAppid && typeof refreshToken === 'string' && refreshToken !== '' && typeof authTime === 'number' && Number.isInteger(authTime) && authTime >= 0) {
        readable.push({ authorizerAppid: appid, refreshToken, authTime });
        continue;
      }
      list.unreadableEntries += 1;
      if (validAppid) list.unreadableAppids.push(appid);
      else list.consistent = false;
    }
    list.entries.push(...readable);
    onPage?.(readable);
    offset += page.length;
    if (page.length === 0 || offset >= total) break;
  }
  if (offset !== list.totalCount) list.consistent = false;
  return list;
}
