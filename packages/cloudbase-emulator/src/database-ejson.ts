import { BSONRegExp, Decimal128, Double, EJSON, Int32, Long, ObjectId } from 'bson';

import { DatabaseActionError } from './database-errors';
import { DocObject, DocValue } from './database-values';

/** A value JSON.stringify writes as is. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * `canonical` is what the SDK sends (`{"$numberInt":"1"}`, `{"$date":{"$numberLong":"…"}}`);
 * `relaxed` keeps finite numbers plain and dates as ISO strings, for files people read.
 */
export type EjsonMode = 'canonical' | 'relaxed';

/**
 * Decodes parsed Extended JSON (bson's EJSON, the library the SDK encodes with) into stored values, then
 * makes what bson leaves as its own types plain: numbers of every width become numbers, regular expressions
 * RegExps, `$oid` its hex string, and the SDK's `{ $tcb_server_date: { offset } }` (db.serverDate()) becomes
 * `now + offset`. Query and update operators are kept. Throws DatabaseActionError(INVALID_PARAM).
 */
export function decodeEjson(raw: unknown, now: Date): DocValue {
  let decoded: unknown;
  try {
    decoded = EJSON.deserialize(raw as never, { relaxed: true });
  } catch (error) {
    throw invalid(`malformed Extended JSON: ${(error as Error).message}`);
  }
  return plain(decoded, now);
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
  return EJSON.serialize(value, { relaxed: mode === 'relaxed' }) as JsonValue;
}

/** Extended JSON text of a stored value. */
export function stringifyEjson(value: DocValue, mode: EjsonMode): string {
  return EJSON.stringify(value, { relaxed: mode === 'relaxed' });
}

function plain(value: unknown, now: Date): DocValue {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object') return value as DocValue;
  if (value instanceof Date || value instanceof RegExp) return value;
  if (Array.isArray(value)) return value.map((item) => plain(item, now));
  if (value instanceof Int32 || value instanceof Double) return value.valueOf();
  if (value instanceof Long) return value.toNumber();
  if (value instanceof Decimal128) return Number(value.toString());
  if (value instanceof ObjectId) return value.toHexString();
  if (value instanceof BSONRegExp) return regExpOf(value);
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length === 1 && keys[0] === '$tcb_server_date') return serverDate(object.$tcb_server_date, now);
  const decoded: DocObject = {};
  for (const key of keys) {
    if (key === '__proto__') throw invalid('field name "__proto__" is not allowed');
    decoded[key] = plain(object[key], now);
  }
  return decoded;
}

const JS_REGEXP_FLAGS = new Set(['d', 'g', 'i', 'm', 's', 'u', 'y']);

function regExpOf(value: BSONRegExp): RegExp {
  try {
    return new RegExp(value.pattern, [...value.options].filter((flag) => JS_REGEXP_FLAGS.has(flag)).join(''));
  } catch {
    throw invalid(`invalid regular expression "${value.pattern}"`);
  }
}

function serverDate(content: unknown, now: Date): Date {
  const offset = typeof content === 'object' && content !== null ? plain((content as { offset?: unknown }).offset ?? 0, now) : 0;
  if (typeof offset !== 'number') throw invalid('malformed serverDate offset');
  return new Date(now.getTime() + offset);
}

function invalid(message: string): DatabaseActionError {
  return new DatabaseActionError('INVALID_PARAM', message);
}
