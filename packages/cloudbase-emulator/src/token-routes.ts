import type http from 'http';
import { weChatError } from './open-api';
import { readBody } from './request-body';
import { ACCESS_TOKEN_API, withRid, type TokenRequest } from './tokens';

/**
 * Reads a token endpoint request as WeChat does: `GET /cgi-bin/token` from the query string (another
 * method: 43001); `POST /cgi-bin/stable_token` from a JSON object body whatever its content type (another
 * method: 43002, no body: 44002, not a JSON object: 47001).
 */
export async function readTokenRequest(req: http.IncomingMessage, url: URL, apiName: string, maxBodyBytes: number): Promise<TokenRequest> {
  if (apiName === ACCESS_TOKEN_API) {
    req.resume();
    if (req.method !== 'GET') return { apiName, error: weChatError(43001, withRid('require GET method')) };
    return { apiName, params: Object.fromEntries(url.searchParams) };
  }
  if (req.method !== 'POST') {
    req.resume();
    return { apiName, error: weChatError(43002, withRid('require POST method')) };
  }
  const body = await readBody(req, maxBodyBytes);
  if (body.kind === 'too-large') return { apiName, error: weChatError(47001, withRid('data format error')) };
  if (body.bytes.length === 0) return { apiName, error: weChatError(44002, withRid('empty post data')) };
  try {
    const parsed: unknown = JSON.parse(body.bytes.toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return { apiName, params: parsed as Record<string, unknown> };
  } catch {
    // answered below
  }
  return { apiName, error: weChatError(47001, withRid('data format error')) };
}
