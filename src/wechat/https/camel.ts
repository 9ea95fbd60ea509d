/** `visit_uv_new` → `visitUvNew`, exactly as wx-server-sdk converts reply keys (`_x` becomes `X`). */
export function camelKey(key: string): string {
  return key.replace(/_(\w)/g, (_match, letter: string) => letter.toUpperCase());
}

/**
 * A reply of the HTTPS API in the shape the cloud call gives: keys camelCased recursively, `errcode` and
 * `errmsg` dropped at the top, so that the core and the archive cannot tell the transports apart.
 */
export function toCloudShape(reply: Record<string, unknown>): Record<string, unknown> {
  const { errcode: _errcode, errmsg: _errmsg, ...data } = reply;
  return convert(data) as Record<string, unknown>;
}

function convert(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convert);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [camelKey(key), convert(inner)]));
}
