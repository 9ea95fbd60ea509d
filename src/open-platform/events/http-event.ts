/**
 * The HTTP side of `componentEvents`: what CloudBase's HTTP access service hands the function for one
 * request WeChat sends to the third-party platform's authorization-event URL, and the integration
 * response the function returns.
 *
 * Shapes (CloudBase HTTP access service, integration request and response):
 * - event: `{ path, httpMethod, headers, queryStringParameters, body, isBase64Encoded }`; `body` is a
 *   string, base64 when `isBase64Encoded` is true; `queryStringParameters` may be missing or null.
 * - reply: `{ statusCode, headers, body, isBase64Encoded }`.
 *
 * WeChat POSTs the XML envelope with `timestamp`, `nonce`, `encrypt_type=aes`, `msg_signature` and
 * `signature` in the query string (Open Platform, 消息推送 / 授权事件接收配置). Only `msg_signature` covers
 * the body; `signature` (token, timestamp, nonce only) is carried but not relied on.
 */

/** The largest body accepted, in bytes after base64 decoding: pushes are well under 2 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

/** The query string of a push, checked. */
export interface PushQuery {
  /** Unix time in seconds when WeChat sent the push, as sent (digits only). */
  timestamp: string;
  /** WeChat's random string for this push. */
  nonce: string;
  /** SHA-1 (40 hex digits, lower case) of the sorted token, timestamp, nonce and `Encrypt`. */
  msg_signature: string;
  /** Always `aes`: third-party platforms only have the encrypted mode. */
  encrypt_type: 'aes';
  /** SHA-1 of the sorted token, timestamp and nonce; not checked (it does not cover the body). */
  signature?: string;
}

/** A push request, checked and with its body decoded: ready for {@link openComponentPush}. */
export interface PushRequest {
  method: 'POST';
  query: PushQuery;
  /** The XML envelope as UTF-8 text, at most {@link MAX_BODY_BYTES} bytes. */
  body: string;
}

/** HTTP statuses this core answers a push with. */
export type RefusalStatus = 400 | 401 | 403 | 405 | 413;

/** Why a request was refused: the status to answer and a short reason (never a secret or a decrypted value). */
export interface Refusal {
  ok: false;
  status: RefusalStatus;
  reason: string;
}

/** The integration response of CloudBase's HTTP access service. */
export interface HttpReply {
  statusCode: number;
  headers: { 'content-type': 'text/plain' };
  body: string;
  isBase64Encoded: false;
}

const TIMESTAMP = /^[0-9]{1,12}$/;
const NONCE = /^[0-9A-Za-z_-]{1,64}$/;
const SHA1_HEX = /^[0-9a-fA-F]{40}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Reads one HTTP access service event. Never throws: anything malformed becomes a {@link Refusal} —
 * 405 for a method other than POST, 413 for a body over {@link MAX_BODY_BYTES}, 400 for everything
 * else (not an object, a missing or malformed query parameter, `encrypt_type` other than `aes`, an
 * empty body, invalid base64).
 */
export function parseHttpEvent(event: unknown): { ok: true; request: PushRequest } | Refusal {
  if (typeof event !== 'object' || event === null) return refuse(400, 'not an HTTP access service event');
  const { httpMethod, queryStringParameters, body, isBase64Encoded } = event as Record<string, unknown>;
  if (typeof httpMethod !== 'string') return refuse(400, 'no HTTP method');
  if (httpMethod.toUpperCase() !== 'POST') return refuse(405, 'only POST is accepted');

  const query = readQuery(queryStringParameters);
  if (!query.ok) return query;

  if (typeof body !== 'string') return refuse(400, 'no body');
  if (isBase64Encoded !== undefined && isBase64Encoded !== null && typeof isBase64Encoded !== 'boolean') {
    return refuse(400, 'isBase64Encoded is not a boolean');
  }
  let text: string;
  if (isBase64Encoded === true) {
    // Checked before decoding, so that a huge body is never decoded.
    if (body.length > Math.ceil(MAX_BODY_BYTES / 3) * 4) return refuse(413, `body over ${MAX_BODY_BYTES} bytes`);
    if (body.length % 4 !== 0 || !BASE64.test(body)) return refuse(400, 'body is not valid base64');
    const bytes = Buffer.from(body, 'base64');
    if (bytes.length > MAX_BODY_BYTES) return refuse(413, `body over ${MAX_BODY_BYTES} bytes`);
    text = bytes.toString('utf8');
  } else {
    if (body.length > MAX_BODY_BYTES || Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) {
      return refuse(413, `body over ${MAX_BODY_BYTES} bytes`);
    }
    text = body;
  }
  if (text.trim() === '') return refuse(400, 'empty body');
  return { ok: true, request: { method: 'POST', query: query.query, body: text } };
}

function readQuery(raw: unknown): { ok: true; query: PushQuery } | Refusal {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return refuse(400, 'no query string');
  const values = raw as Record<string, unknown>;
  const read = (name: string, pattern: RegExp): string | Refusal => {
    const value = values[name];
    if (value === undefined || value === null || value === '') return refuse(400, `query parameter ${name} is missing`);
    if (typeof value !== 'string' || !pattern.test(value)) return refuse(400, `query parameter ${name} is malformed`);
    return value;
  };
  const timestamp = read('timestamp', TIMESTAMP);
  if (typeof timestamp !== 'string') return timestamp;
  const nonce = read('nonce', NONCE);
  if (typeof nonce !== 'string') return nonce;
  const msgSignature = read('msg_signature', SHA1_HEX);
  if (typeof msgSignature !== 'string') return msgSignature;
  const encryptType = read('encrypt_type', /^aes$/);
  if (typeof encryptType !== 'string') return encryptType;
  const query: PushQuery = { timestamp, nonce, msg_signature: msgSignature.toLowerCase(), encrypt_type: 'aes' };
  if (values.signature !== undefined && values.signature !== null && values.signature !== '') {
    const signature = read('signature', SHA1_HEX);
    if (typeof signature !== 'string') return signature;
    query.signature = signature.toLowerCase();
  }
  return { ok: true, query };
}

/** A refusal with its status and short reason. */
export function refuse(status: RefusalStatus, reason: string): Refusal {
  return { ok: false, status, reason };
}

/** The reply WeChat expects once a push is taken: 200 and the plain text `success`. */
export function successReply(): HttpReply {
  return textReply(200, 'success');
}

/** The reply to a refused push: its status and short reason as plain text. */
export function refusalReply(refusal: Pick<Refusal, 'status' | 'reason'>): HttpReply {
  return textReply(refusal.status, refusal.reason);
}

function textReply(statusCode: number, body: string): HttpReply {
  return { statusCode, headers: { 'content-type': 'text/plain' }, body, isBase64Encoded: false };
}
