import type http from 'http';

/** A request body as read: complete, or too large (only its size is kept). */
export type Body = { kind: 'complete'; bytes: Buffer } | { kind: 'too-large'; bytes: number };

/** Reads a request's body, keeping at most `maxBytes` bytes (the rest is read and dropped). */
export function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(received > maxBytes ? { kind: 'too-large', bytes: received } : { kind: 'complete', bytes: Buffer.concat(chunks) }),
    );
    req.on('error', reject);
  });
}
