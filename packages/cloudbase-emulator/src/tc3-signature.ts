import { createHash, createHmac } from 'crypto';

/**
 * Tencent Cloud API 3.0 signatures (TC3-HMAC-SHA256), written from the documented algorithm (Tencent
 * Cloud, "签名方法 v3"), independently of the SDK's own `sign.js`, so that a fake server checking them
 * proves what the real client sends:
 *
 * 1. CanonicalRequest = method \n path \n query \n canonical headers \n signed headers \n hex(SHA-256(body)),
 *    each canonical header `name:value\n` with name and value lower-cased and trimmed, in the order of
 *    `SignedHeaders` (at least `content-type;host`);
 * 2. StringToSign = `TC3-HMAC-SHA256` \n timestamp \n `date/service/tc3_request` \n hex(SHA-256(CanonicalRequest)),
 *    `date` the UTC day of the timestamp (YYYY-MM-DD);
 * 3. key = HMAC(HMAC(HMAC("TC3" + SecretKey, date), service), "tc3_request"); Signature = hex(HMAC(key, StringToSign));
 * 4. Authorization = `TC3-HMAC-SHA256 Credential=SecretId/date/service/tc3_request, SignedHeaders=…, Signature=…`.
 */
export const TC3_ALGORITHM = 'TC3-HMAC-SHA256';

/** How far X-TC-Timestamp may be from the server's clock before the platform answers AuthFailure.SignatureExpire (5 minutes). */
export const TC3_MAX_SKEW_SECONDS = 300;

/** What the signature covers. `headers` maps lower-case names to values (the request's, as received). */
export interface Tc3Request {
  method: string;
  path: string;
  query: string;
  headers: Readonly<Record<string, string>>;
  body: Buffer;
}

/** The parts of an Authorization header. */
export interface Tc3Authorization {
  secretId: string;
  date: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTHORIZATION = /^TC3-HMAC-SHA256 Credential=([^/\s]+)\/(\d{4}-\d{2}-\d{2})\/([a-z0-9-]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** The UTC day (YYYY-MM-DD) of a Unix timestamp in seconds, as the credential scope names it. */
export function tc3Date(timestampSeconds: number): string {
  return new Date(timestampSeconds * 1000).toISOString().slice(0, 10);
}

/** Reads an Authorization header; undefined when it is not a TC3-HMAC-SHA256 one. */
export function parseTc3Authorization(header: string | undefined): Tc3Authorization | undefined {
  const match = AUTHORIZATION.exec(header ?? '');
  if (match === null) return undefined;
  const [, secretId = '', date = '', service = '', signedHeaders = '', signature = ''] = match;
  return { secretId, date, service, signedHeaders: signedHeaders.split(';'), signature };
}

/** The canonical request of step 1, over `signedHeaders` (lower-case names). */
export function tc3CanonicalRequest(request: Tc3Request, signedHeaders: readonly string[]): string {
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${(request.headers[name] ?? '').trim().toLowerCase()}\n`).join('');
  return [request.method.toUpperCase(), request.path, request.query, canonicalHeaders, signedHeaders.join(';'), sha256Hex(request.body)].join('\n');
}

/** The hex signature of steps 2 and 3. */
export function tc3Signature(secretKey: string, service: string, timestampSeconds: number, canonicalRequest: string): string {
  const date = tc3Date(timestampSeconds);
  const stringToSign = [TC3_ALGORITHM, String(timestampSeconds), `${date}/${service}/tc3_request`, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(`TC3${secretKey}`, date), service), 'tc3_request');
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex');
}

/**
 * A complete Authorization header for `request` (signed headers `content-type;host`): what a client
 * computes; tests use it to send a request by hand.
 */
export function tc3AuthorizationHeader(
  credentials: { secretId: string; secretKey: string },
  service: string,
  timestampSeconds: number,
  request: Tc3Request,
): string {
  const signedHeaders = ['content-type', 'host'];
  const signature = tc3Signature(credentials.secretKey, service, timestampSeconds, tc3CanonicalRequest(request, signedHeaders));
  return `${TC3_ALGORITHM} Credential=${credentials.secretId}/${tc3Date(timestampSeconds)}/${service}/tc3_request, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
}
