import { AnalyticsError } from '../errors';

/**
 * A number from WeChat's reply as a plain JS number: numbers pass and numeric strings are converted
 * (transports hand over plain JSON: see `wechat/cloud/numbers.ts`). Missing values give `null`;
 * anything else is an unexpected reply.
 */
export function toPlainNumber(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  throw unexpectedReply(`${field} is ${JSON.stringify(value)}, not a number`);
}

/** An error for a reply whose shape is not WeChat's: nothing of it is served or stored. */
export function unexpectedReply(detail: string): AnalyticsError {
  return new AnalyticsError('UPSTREAM_ERROR', `WeChat's reply has an unexpected shape: ${detail}. Try again later.`, {
    recovery: 'later',
  });
}

/** True for `{ ... }` (not null, not an array, not a Date or other class instance). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
