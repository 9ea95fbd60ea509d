/**
 * wx-server-sdk parses WeChat's reply with json-bigint, which turns every number literal longer than 15
 * characters (a float with many decimals too) into a BigNumber, and then copies it field by field during
 * its camelCase conversion: the value arrives as a plain object `{ s, e, c }` (sign, exponent, base-1e14
 * digit groups). Verified with wx-server-sdk 4.0.2. This module turns those back into numbers, so that
 * the core sees the same plain JSON from every transport.
 */

interface BigNumberFields {
  s: number;
  e: number;
  c: number[];
}

function isBigNumberFields(value: object): value is BigNumberFields {
  const fields = value as Partial<BigNumberFields>;
  const keys = Object.keys(value);
  return (
    keys.length === 3 &&
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

/** A copy of `value` in which every json-bigint BigNumber (an instance, or its `{ s, e, c }` copy) is a plain number. */
export function withPlainNumbers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withPlainNumbers);
  if (value === null || typeof value !== 'object') return value;
  const convertible = value as { toNumber?: unknown };
  if (typeof convertible.toNumber === 'function') {
    const converted = (convertible.toNumber as () => unknown).call(value);
    if (typeof converted === 'number') return converted;
  }
  if (isBigNumberFields(value)) return bigNumberToNumber(value);
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withPlainNumbers(inner)]));
}
