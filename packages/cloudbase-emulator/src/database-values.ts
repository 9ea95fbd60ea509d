import { DatabaseActionError } from './database-errors';

/** A value the emulated database stores: JSON plus Date and RegExp. */
export type DocValue = null | boolean | number | string | Date | RegExp | DocValue[] | DocObject;

/** A stored document or sub-document. */
export interface DocObject {
  [key: string]: DocValue;
}

/** True for plain sub-documents (not arrays, dates or regular expressions). */
export function isDocObject(value: DocValue | undefined): value is DocObject {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof RegExp)
  );
}

/** True for `{ $op: ... }` objects whose keys are all operators. */
export function isOperatorObject(value: DocValue | undefined): value is DocObject {
  if (!isDocObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
}

/** Deep copy that keeps Date and RegExp instances distinct from the source. */
export function cloneValue<T extends DocValue>(value: T): T;
export function cloneValue(value: DocValue): DocValue {
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof RegExp) return new RegExp(value.source, value.flags);
  if (Array.isArray(value)) return value.map((item) => cloneValue(item));
  if (isDocObject(value)) {
    const copy: DocObject = {};
    for (const [key, item] of Object.entries(value)) copy[key] = cloneValue(item);
    return copy;
  }
  return value;
}

/** Deep equality as the database sees it: dates by instant, objects regardless of key order. */
export function valuesEqual(left: DocValue | undefined, right: DocValue | undefined): boolean {
  if (left instanceof Date || right instanceof Date) {
    return left instanceof Date && right instanceof Date && left.getTime() === right.getTime();
  }
  if (left instanceof RegExp || right instanceof RegExp) {
    return left instanceof RegExp && right instanceof RegExp && String(left) === String(right);
  }
  if (Array.isArray(left) || Array.isArray(right)) {
    return (
      Array.isArray(left) &&
      Array.isArray(right) &&
      left.length === right.length &&
      left.every((item, index) => valuesEqual(item, right[index]))
    );
  }
  if (isDocObject(left) || isDocObject(right)) {
    if (!isDocObject(left) || !isDocObject(right)) return false;
    const leftKeys = Object.keys(left);
    return (
      leftKeys.length === Object.keys(right).length &&
      leftKeys.every((key) => hasOwn(right, key) && valuesEqual(left[key], right[key]))
    );
  }
  if (typeof left === 'number' && typeof right === 'number' && Number.isNaN(left)) return Number.isNaN(right);
  return left === right;
}

const TYPE_RANK = { missing: 0, null: 1, number: 2, string: 3, object: 4, array: 5, boolean: 6, date: 7, regexp: 8 };

function typeRank(value: DocValue | undefined): number {
  if (value === undefined) return TYPE_RANK.missing;
  if (value === null) return TYPE_RANK.null;
  if (value instanceof Date) return TYPE_RANK.date;
  if (value instanceof RegExp) return TYPE_RANK.regexp;
  if (Array.isArray(value)) return TYPE_RANK.array;
  if (typeof value === 'object') return TYPE_RANK.object;
  return TYPE_RANK[typeof value as 'number' | 'string' | 'boolean'];
}

/** Total order in MongoDB's spirit: by type (null < numbers < strings < objects < arrays < booleans < dates), then by value. */
export function compareValues(left: DocValue | undefined, right: DocValue | undefined): number {
  const rankDifference = typeRank(left) - typeRank(right);
  if (rankDifference !== 0) return Math.sign(rankDifference);
  if (typeof left === 'number' && typeof right === 'number') return Math.sign(left - right);
  if (typeof left === 'string' && typeof right === 'string') return left < right ? -1 : left > right ? 1 : 0;
  if (typeof left === 'boolean' && typeof right === 'boolean') return Number(left) - Number(right);
  if (left instanceof Date && right instanceof Date) return Math.sign(left.getTime() - right.getTime());
  if (Array.isArray(left) && Array.isArray(right)) return compareSequences(left, right);
  if (isDocObject(left) && isDocObject(right)) return compareSequences(Object.entries(left).flat(), Object.entries(right).flat());
  return String(left) < String(right) ? -1 : String(left) > String(right) ? 1 : 0;
}

function compareSequences(left: DocValue[], right: DocValue[]): number {
  for (let index = 0; index < Math.min(left.length, right.length); index += 1) {
    const difference = compareValues(left[index], right[index]);
    if (difference !== 0) return difference;
  }
  return Math.sign(left.length - right.length);
}

/** True when both values are of a kind that range operators ($gt, $lt, ...) can compare. */
export function rangeComparable(left: DocValue, right: DocValue): boolean {
  const kind = (value: DocValue): string => (value instanceof Date ? 'date' : typeof value);
  return ['number', 'string', 'date', 'boolean'].includes(kind(left)) && kind(left) === kind(right);
}

export function hasOwn(object: DocObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function splitPath(path: string): string[] {
  const segments = path.split('.');
  if (segments.some((segment) => segment === '')) {
    throw new DatabaseActionError('INVALID_PARAM', `invalid field path "${path}"`);
  }
  return segments;
}

function isArrayIndex(segment: string): boolean {
  return /^\d+$/.test(segment);
}

/**
 * Every value a query on `path` can see, following MongoDB: a path walks into each element of an
 * array of sub-documents, and a numeric segment also addresses an array element. Empty when absent.
 */
export function valuesAtPath(document: DocObject, path: string): DocValue[] {
  return collectValues(document, splitPath(path));
}

function collectValues(value: DocValue | undefined, segments: string[]): DocValue[] {
  if (value === undefined) return [];
  const [head, ...rest] = segments;
  if (head === undefined) return [value];
  if (Array.isArray(value)) {
    const byIndex = isArrayIndex(head) ? collectValues(value[Number(head)], rest) : [];
    const byElement = value.flatMap((item) => (isDocObject(item) ? collectValues(item, segments) : []));
    return [...byIndex, ...byElement];
  }
  if (isDocObject(value) && hasOwn(value, head)) return collectValues(value[head], rest);
  return [];
}

/** The single value at `path` (numeric segments index arrays), or undefined. */
export function readPath(document: DocObject, path: string): DocValue | undefined {
  let current: DocValue | undefined = document;
  for (const segment of splitPath(path)) {
    if (Array.isArray(current) && isArrayIndex(segment)) current = current[Number(segment)];
    else if (isDocObject(current) && hasOwn(current, segment)) current = current[segment];
    else return undefined;
  }
  return current;
}

/** Sets `path`, creating missing sub-documents; fails like MongoDB when a scalar is in the way. */
export function writePath(document: DocObject, path: string, value: DocValue): void {
  const segments = splitPath(path);
  const last = segments.pop() as string;
  let container: DocObject | DocValue[] = document;
  for (const segment of segments) container = descend(container, segment, path);
  if (Array.isArray(container)) {
    if (!isArrayIndex(last)) throw cannotCreateField(path, last);
    while (container.length < Number(last)) container.push(null);
    container[Number(last)] = value;
  } else {
    container[last] = value;
  }
}

function descend(container: DocObject | DocValue[], segment: string, path: string): DocObject | DocValue[] {
  if (Array.isArray(container) && !isArrayIndex(segment)) throw cannotCreateField(path, segment);
  const slots = container as Record<string, DocValue | undefined>;
  const next = Object.prototype.hasOwnProperty.call(container, segment) ? slots[segment] : undefined;
  if (next === undefined || next === null) {
    if (Array.isArray(container)) while (container.length < Number(segment)) container.push(null);
    const created: DocObject = {};
    slots[segment] = created;
    return created;
  }
  if (Array.isArray(next) || isDocObject(next)) return next;
  throw cannotCreateField(path, segment);
}

function cannotCreateField(path: string, segment: string): DatabaseActionError {
  return new DatabaseActionError('DATABASE_REQUEST_FAILED', `Cannot create field '${segment}' in path '${path}'`);
}

/** Removes `path` if present; an array element becomes null, as MongoDB's $unset does. */
export function deletePath(document: DocObject, path: string): void {
  const segments = splitPath(path);
  const last = segments.pop() as string;
  const parent = segments.length === 0 ? document : readPath(document, segments.join('.'));
  if (Array.isArray(parent) && isArrayIndex(last) && Number(last) < parent.length) parent[Number(last)] = null;
  else if (isDocObject(parent) && hasOwn(parent, last)) delete parent[last];
}
