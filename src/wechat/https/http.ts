import http from 'http';
import https from 'https';
import { WeChatCallError } from '../client';
import { HTTPS_BAD_BODY, HTTPS_CONNECTION_FAILED, HTTPS_SERVER_ERROR } from './errors';

/** A JSON reply of WeChat's HTTPS API: an object (`errcode`/`errmsg` on failure). */
export type JsonReply = Record<string, unknown>;

/** Sends JSON requests to one base URL, keeping connections alive between calls and invocations. */
export interface JsonHttpClient {
  /**
   * POSTs `body` as JSON to `path` with `query` and parses the reply as JSON whatever its content type
   * (WeChat sometimes says `text/plain`). Rejects with a {@link WeChatCallError} whose code says what
   * failed: {@link HTTPS_CONNECTION_FAILED}, {@link HTTPS_SERVER_ERROR} (HTTP 5xx) or
   * {@link HTTPS_BAD_BODY} (not a JSON object); the message never holds the query (it may carry a token).
   */
  post(path: string, query: Record<string, string>, body: unknown, signal?: AbortSignal): Promise<JsonReply>;
}

/** The longest reply body read, in bytes (a month of analytics is well under 2 KB). */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * A client over Node's own `http`/`https` with a keep-alive agent (no third-party HTTP library: Node's
 * is enough for JSON POSTs and works on every runtime CloudBase offers, from Node 16). Each request is
 * cut when `signal` aborts (the invocation's deadline).
 */
export function createJsonHttpClient(baseUrl: string): JsonHttpClient {
  const base = new URL(baseUrl);
  const transport = base.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 16 });

  return {
    post(path, query, body, signal) {
      const url = new URL(path, base);
      for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
      const payload = Buffer.from(JSON.stringify(body));
      return new Promise<JsonReply>((resolve, reject) => {
        if (signal?.aborted) {
          reject(new WeChatCallError(HTTPS_CONNECTION_FAILED, `${path} was not sent: the call's time was up`));
          return;
        }
        const request = transport.request(
          url,
          {
            method: 'POST',
            agent,
            signal,
            headers: { 'content-type': 'application/json', 'content-length': String(payload.length) },
          },
          (response) => {
            const chunks: Buffer[] = [];
            let size = 0;
            response.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size > MAX_BODY_BYTES) request.destroy(new Error('reply too large'));
              else chunks.push(chunk);
            });
            response.on('error', (error) => reject(connectionFailed(path, error)));
            response.on('end', () => {
              const status = response.statusCode ?? 0;
              if (status >= 500) {
                reject(new WeChatCallError(HTTPS_SERVER_ERROR, `${path} answered HTTP ${status}`));
                return;
              }
              let parsed: unknown;
              try {
                parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
              } catch {
                reject(new WeChatCallError(HTTPS_BAD_BODY, `${path} answered HTTP ${status} with a body that is not JSON`));
                return;
              }
              if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
                reject(new WeChatCallError(HTTPS_BAD_BODY, `${path} answered HTTP ${status} with JSON that is not an object`));
                return;
              }
              resolve(parsed as JsonReply);
            });
          },
        );
        request.on('error', (error) => reject(connectionFailed(path, error)));
        request.end(payload);
      });
    },
  };
}

function connectionFailed(path: string, error: Error): WeChatCallError {
  const code = (error as { code?: unknown }).code;
  return new WeChatCallError(HTTPS_CONNECTION_FAILED, `${path} failed: ${typeof code === 'string' ? code : error.name}`);
}
