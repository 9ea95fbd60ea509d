import { DatabaseActionError } from './database-errors';
import { DocObject, DocValue, isDocObject } from './database-values';

/** A value JSON.stringify writes as is. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * `canonical` is what the SDK sends (`{"$numberInt":"1"}`, `{"$date":{"$numberLong":"…"}}`);
 * `relaxed` keeps finite numbers plain and dates as ISO strings, for files people read.
 */
export type EjsonMode = 'canonical' | 'relaxed';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const LATEST_RELAXED_DATE_MS = 253402300799999;
const JS_REGEXP_FLAGS = new Set(['d', 'g', 'i', 'm', 's', 'u', 'y']);

/**
 * Decodes parsed Extended JSON into stored values: $numberInt/$numberLong/$numberDouble/$numberDecimal
 * become numbers, $date a Date, $regularExpression (or $regex/$options) a RegExp, $oid its hex string,
 * and the SDK's `{ $tcb_server_date: { offset } }` (db.serverDate()) becomes `now + offset`.
 * Other `$` keys (query and update operators) are kept. Throws DatabaseActionError(INVALID_PARAM).
 */
export function decodeEjson(raw: unknown, now: Date): DocValue {
  if (raw === null || typeof raw === 'boolean' || typeof raw === 'string') return raw;
  if (typeof raw === 'number') return raw;
  if (Array.isArray(raw)) return raw.map((item) => decodeEjson(item, now));
  if (typeof raw === 'object') return decodeObject(raw as Record<string, unknown>, now);
  throw invalid(`unsupported value of type ${typeof raw}`);
}

/** Parses an Extended JSON string from a request field; see {@link decodeEjson}. */
export function parseEjson(text: string, now: Date): DocValue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('malformed Extended JSON');
  }
  return decodeEjson(parsed, now);
}

/** Encodes a stored value as Extended JSON in the given mode. */
export function encodeEjson(value: DocValue, mode: EjsonMode): JsonValue {
  if (typeof value === 'number') return encodeNumber(value, mode);
  if (value instanceof Date) return encodeDate(value, mode);
  if (value instanceof RegExp) {
    return { $regularExpression: { pattern: value.source, options: [...value.flags].sort().join('') } };
  }
  if (Array.isArray(value)) return value.map((item) => encodeEjson(item, mode));
  if (isDocObject(value)) {
    const encoded: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value)) encoded[key] = encodeEjson(item, mode);
    return encoded;
  }
  return value;
}

/** Extended JSON text of a stored value. */
export function stringifyEjson(value: DocValue, mode: EjsonMode): string {
  return JSON.stringify(encodeEjson(value, mode));
}

function decodeObject(raw: Record<string, unknown>, now: Date): DocValue {
  const keys = Object.keys(raw);
  const wrapped = keys.length >= 1 && keys.length <= 2 ? decodeTypeWrapper(raw, keys, now) : undefined;
  if (wrapped !== undefined) return wrapped;
  const decoded: DocObject = {};
  for (const key of keys) {
    if (key === '__proto__') throw invalid('field name "__proto__" is not allowed');
    decoded[key] = decodeEjson(raw[key], now);
  }
  return decoded;
}

function decodeTypeWrapper(raw: Record<string, unknown>, keys: string[], now: Date): DocValue | undefined {
  const only = keys.length === 1 ? keys[0] : undefined;
  switch (only) {
    case '$numberInt':
    case '$numberLong':
    case '$numberDouble':
    case '$numberDecimal':
      return decodeNumberText(raw[only]);
    case '$date':
      return decodeDate(raw.$date);
    case '$regularExpression':
      return decodeRegularExpression(raw.$regularExpression);
    case '$oid':
      return requireString(raw.$oid, '$oid');
    case '$tcb_server_date':
      return decodeServerDate(raw.$tcb_server_date, now);
    case '$undefined':
      return null;
  }
  if (keys.includes('$regex') && (keys.length === 1 || keys.includes('$options'))) {
    return decodeRegularExpression({ pattern: raw.$regex, options: raw.$options ?? '' });
  }
  return undefined;
}

function decodeNumberText(text: unknown): number {
  const value = Number(requireString(text, 'number'));
  if (Number.isNaN(value) && text !== 'NaN') throw invalid(`malformed number "${String(text)}"`);
  return value;
}

function decodeDate(content: unknown): Date {
  let milliseconds: number;
  if (typeof content === 'number') milliseconds = content;
  else if (typeof content === 'string') milliseconds = Date.parse(content);
  else if (typeof content === 'object' && content !== null && '$numberLong' in content) {
    milliseconds = decodeNumberText((content as { $numberLong: unknown }).$numberLong);
  } else throw invalid('malformed $date');
  if (!Number.isFinite(milliseconds)) throw invalid('malformed $date');
  return new Date(milliseconds);
}

function decodeRegularExpression(content: unknown): RegExp {
  if (typeof content !== 'object' || content === null) throw invalid('malformed regular expression');
  const { pattern, options } = content as { pattern?: unknown; options?: unknown };
  const flags = [...requireString(options ?? '', 'options')].filter((flag) => JS_REGEXP_FLAGS.has(flag)).join('');
  try {
    return new RegExp(requireString(pattern, 'pattern'), flags);
  } catch {
    throw invalid(`invalid regular expression "${String(pattern)}"`);
  }
}

function decodeServerDate(content: unknown, now: Date): Date {
  const offset = typeof content === 'object' && content !== null ? decodeEjson((content as { offset?: unknown }).offset ?? 0, now) : 0;
  if (typeof offset !== 'number') throw invalid('malformed serverDate offset');
  return new Date(now.getTime() + offset);
}

function encodeNumber(value: number, mode: EjsonMode): JsonValue {
  if (mode === 'relaxed' && Number.isFinite(value)) return value;
  if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) return { $numberInt: String(value) };
  if (Number.isSafeInteger(value)) return { $numberLong: String(value) };
  return { $numberDouble: String(value) };
}

function encodeDate(value: Date, mode: EjsonMode): JsonValue {
  const milliseconds = value.getTime();
  if (mode === 'relaxed' && milliseconds >= 0 && milliseconds <= LATEST_RELAXED_DATE_MS) {
    return { $date: value.toISOString() };
  }
  return { $date: { $numberLong: String(milliseconds) } };
}

function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw invalid(`${what} must be a string`);
  return value;
}

function invalid(message: string): DatabaseActionError {
  return new DatabaseActionError('INVALID_PARAM', message);
}
