import { AnalyticsError } from '../errors';

/** A json-bigint BigNumber after wx-server-sdk's camelCase copy: sign, exponent, base-1e14 digit groups. */
interface BigNumberFields {
  s: number;
  e: number;
  c: number[];
}

function isBigNumberFields(value: object): value is BigNumberFields {
  const fields = value as Partial<BigNumberFields>;
  return (
    typeof fields.s === 'number' &&
    typeof fields.e === 'number' &&
    Array.isArray(fields.c) &&
    fields.c.length > 0 &&
    fields.c.every((group) => Number.isInteger(group))
  );
}

function bigNumberToNumber({ s, e, c }: BigNumberFields): number {
  const digits = c.map((group, index) => (index === 0 ? String(group) : String(group).padStart(14, '0'))).join('');
  return Number(`${s < 0 ? '-' : ''}${digits[0]}.${digits.slice(1) || '0'}e${e}`);
}

/**
 * A number from WeChat's reply as a plain JS number: numbers pass, json-bigint BigNumbers (whole or
 * as the `{ s, e, c }` copy wx-server-sdk hands over) and numeric strings are converted. Missing
 * values give `null`; anything else is an unexpected reply.
 */
export function toPlainNumber(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (typeof value === 'object') {
    const convertible = value as { toNumber?: unknown };
    if (typeof convertible.toNumber === 'function') {
      const converted = (convertible.toNumber as () => unknown).call(value);
      if (typeof converted === 'number' && Number.isFinite(converted)) return converted;
    }
    if (isBigNumberFields(value)) return bigNumberToNumber(value);
  }
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
