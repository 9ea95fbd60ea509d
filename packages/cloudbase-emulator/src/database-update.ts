import { update as mingoUpdate } from 'mingo';

import { DatabaseActionError } from './database-errors';
import { DocObject, DocValue, cloneValue, isDocObject, readPath } from './database-values';
import { stringifyEjson } from './database-ejson';

/** Update operators CloudBase accepts (db.command's); mingo applies them. */
const UPDATE_OPERATORS = new Set(['$set', '$unset', '$inc', '$mul', '$min', '$max', '$rename', '$push', '$pop', '$addToSet', '$pull', '$pullAll']);
const NUMERIC_OPERATORS = new Set(['$inc', '$mul']);
const APPENDING_OPERATORS = new Set(['$push', '$addToSet']);
const REMOVING_OPERATORS = new Set(['$pop', '$pull', '$pullAll']);

/**
 * A copy of `document` with a decoded update applied by mingo (plain top-level fields count as $set), and
 * whether anything changed (MongoDB's nModified). Before mingo runs, a guard raises the errors CloudBase
 * raises where mingo would quietly skip the field: $inc/$mul on a non-number, $push/$addToSet on a
 * non-array, $pop/$pull/$pullAll on a non-array, and any change of `_id`.
 */
export function applyUpdate(document: DocObject, update: DocObject): { document: DocObject; changed: boolean } {
  const modifier = normalizeUpdate(update);
  for (const [operator, fields] of Object.entries(modifier)) {
    for (const [path, operand] of Object.entries(fields)) guardField(document, operator, path, operand);
  }
  const updated = cloneValue(document);
  const changedPaths = mingoUpdate(updated, modifier as never, undefined, undefined, { cloneMode: 'deep' });
  return { document: updated, changed: changedPaths.length > 0 };
}

/** Throws the error {@link applyUpdate} would throw for an unsupported operator, whatever the data. */
export function assertValidUpdate(update: DocObject): void {
  normalizeUpdate(update);
}

/**
 * The document that `set()` (a replacement) produces: `_id` first, then the new fields, and whether it
 * differs from `current`. Update operators are refused, as in CloudBase.
 */
export function replaceDocument(id: DocValue, replacement: DocObject, current?: DocObject): { document: DocObject; changed: boolean } {
  const { _id: ownId, ...fields } = replacement;
  if (ownId !== undefined && stringifyEjson(ownId, 'canonical') !== stringifyEjson(id, 'canonical')) throw immutableId();
  if (Object.keys(fields).some((key) => key.startsWith('$'))) {
    throw new DatabaseActionError('DATABASE_REQUEST_FAILED', 'update operators are not allowed in a replacement document');
  }
  const document = { _id: id, ...cloneValue(fields) };
  return { document, changed: current === undefined || stringifyEjson(current, 'canonical') !== stringifyEjson(document, 'canonical') };
}

function normalizeUpdate(update: DocObject): Record<string, DocObject> {
  const modifier: Record<string, DocObject> = {};
  for (const [key, value] of Object.entries(update)) {
    if (!key.startsWith('$')) {
      modifier.$set = { ...modifier.$set, [key]: value };
      continue;
    }
    if (!UPDATE_OPERATORS.has(key)) throw new DatabaseActionError('DATABASE_INVALID_OPERRATOR', `unsupported update operator ${key}`);
    if (!isDocObject(value)) throw new DatabaseActionError('INVALID_PARAM', `${key} needs an object of fields`);
    modifier[key] = { ...modifier[key], ...value };
  }
  return modifier;
}

function guardField(document: DocObject, operator: string, path: string, operand: DocValue): void {
  if (isIdPath(path) || (operator === '$rename' && typeof operand === 'string' && isIdPath(operand))) throw immutableId();
  const current = readPath(document, path);
  if (NUMERIC_OPERATORS.has(operator)) {
    if (typeof operand !== 'number') throw new DatabaseActionError('INVALID_PARAM', `${operator} needs a number`);
    if (current !== undefined && typeof current !== 'number') {
      throw new DatabaseActionError('DATABASE_REQUEST_FAILED', `Cannot apply ${operator} to a value of non-numeric type at '${path}'`);
    }
  }
  if (current === undefined || Array.isArray(current)) return;
  if (APPENDING_OPERATORS.has(operator)) {
    throw new DatabaseActionError('DATABASE_REQUEST_FAILED', `The field '${path}' must be an array for ${operator}`);
  }
  if (REMOVING_OPERATORS.has(operator)) throw new DatabaseActionError('DATABASE_REQUEST_FAILED', `Path '${path}' is not an array`);
}

function isIdPath(path: string): boolean {
  return path === '_id' || path.startsWith('_id.');
}

function immutableId(): DatabaseActionError {
  return new DatabaseActionError('DATABASE_REQUEST_FAILED', "the (immutable) field '_id' cannot change");
}
