/** A value the emulated database stores: JSON plus Date and RegExp. */
export type DocValue = null | boolean | number | string | Date | RegExp | DocValue[] | DocObject;

/** A stored document or sub-document. */
export interface DocObject {
  [key: string]: DocValue;
}

/** True for plain sub-documents (not arrays, dates or regular expressions). */
export function isDocObject(value: unknown): value is DocObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof RegExp);
}

/** True for `{ $op: ... }` objects whose keys are all operators. */
export function isOperatorObject(value: DocValue | undefined): value is DocObject {
  if (!isDocObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
}

/** Deep copy; Dates and RegExps are copied too (structuredClone would make them in another realm under jest). */
export function cloneValue<T extends DocValue>(value: T): T;
export function cloneValue(value: DocValue): DocValue {
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof RegExp) return new RegExp(value.source, value.flags);
  if (Array.isArray(value)) return value.map((item) => cloneValue(item));
  if (isDocObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, cloneValue(item)]));
  return value;
}

/** The single value at a dotted `path` (numeric segments index arrays), or undefined. */
export function readPath(document: DocObject, path: string): DocValue | undefined {
  let current: DocValue | undefined = document;
  for (const segment of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) current = current[Number(segment)];
    else if (isDocObject(current) && Object.prototype.hasOwnProperty.call(current, segment)) current = current[segment];
    else return undefined;
  }
  return current;
}
