import { DatabaseActionError } from './database-errors';
import { matchesQuery } from './database-query';
import {
  DocObject,
  DocValue,
  cloneValue,
  compareValues,
  deletePath,
  isDocObject,
  isOperatorObject,
  readPath,
  valuesEqual,
  writePath,
} from './database-values';

type UpdateOperator = (document: DocObject, path: string, operand: DocValue) => void;

/**
 * Returns a copy of `document` with a decoded update applied. Operators: $set $unset $inc $mul
 * $min $max $rename $push ($each/$position/$slice) $pop $addToSet ($each) $pull $pullAll; plain
 * top-level fields are treated as $set. `_id` cannot change.
 */
export function applyUpdate(document: DocObject, update: DocObject): DocObject {
  assertValidUpdate(update);
  const updated = cloneValue(document);
  for (const [operator, fields] of Object.entries(update)) {
    if (!operator.startsWith('$')) {
      setField(updated, operator, fields);
      continue;
    }
    const apply = UPDATE_OPERATORS[operator] as UpdateOperator;
    for (const [path, operand] of Object.entries(fields as DocObject)) {
      guardId(path);
      apply(updated, path, operand);
    }
  }
  return updated;
}

/** Throws the error {@link applyUpdate} would throw for an unsupported operator, whatever the data. */
export function assertValidUpdate(update: DocObject): void {
  for (const [operator, fields] of Object.entries(update)) {
    if (!operator.startsWith('$')) continue;
    if (!UPDATE_OPERATORS[operator]) throw new DatabaseActionError('DATABASE_INVALID_OPERRATOR', `unsupported update operator ${operator}`);
    if (!isDocObject(fields)) throw new DatabaseActionError('INVALID_PARAM', `${operator} needs an object of fields`);
  }
}

/**
 * The document that `set()` (a replacement) produces: `_id` first, then the new fields.
 * Update operators are refused, as in CloudBase.
 */
export function replaceDocument(id: DocValue, replacement: DocObject): DocObject {
  const { _id: ownId, ...fields } = replacement;
  if (ownId !== undefined && !valuesEqual(ownId, id)) {
    throw new DatabaseActionError('DATABASE_REQUEST_FAILED', "the (immutable) field '_id' cannot change");
  }
  if (Object.keys(fields).some((key) => key.startsWith('$'))) {
    throw new DatabaseActionError('DATABASE_REQUEST_FAILED', 'update operators are not allowed in a replacement document');
  }
  return { _id: id, ...cloneValue(fields) };
}

function guardId(path: string): void {
  if (path === '_id' || path.startsWith('_id.')) {
    throw new DatabaseActionError('DATABASE_REQUEST_FAILED', "the (immutable) field '_id' cannot change");
  }
}

function setField(document: DocObject, path: string, value: DocValue): void {
  guardId(path);
  writePath(document, path, cloneValue(value));
}

const UPDATE_OPERATORS: Record<string, UpdateOperator | undefined> = {
  $set: setField,
  $unset: (document, path) => deletePath(document, path),
  $inc: (document, path, operand) => applyArithmetic(document, path, operand, '$inc', (current, amount) => current + amount),
  $mul: (document, path, operand) => applyArithmetic(document, path, operand, '$mul', (current, factor) => current * factor),
  $min: (document, path, operand) => applyBound(document, path, operand, (order) => order < 0),
  $max: (document, path, operand) => applyBound(document, path, operand, (order) => order > 0),
  $rename: renameField,
  $push: pushValues,
  $pop: popValue,
  $addToSet: addToSet,
  $pull: (document, path, condition) => removeFromArray(document, path, (item) => pullMatches(item, condition)),
  $pullAll: (document, path, operand) =>
    removeFromArray(document, path, (item) => requireArray('$pullAll', operand).some((value) => valuesEqual(item, value))),
};

function applyArithmetic(document: DocObject, path: string, operand: DocValue, operator: string, combine: (current: number, operand: number) => number): void {
  if (typeof operand !== 'number') throw new DatabaseActionError('INVALID_PARAM', `${operator} needs a number`);
  const current = readPath(document, path);
  if (current === undefined) {
    writePath(document, path, operator === '$mul' ? 0 : operand);
    return;
  }
  if (typeof current !== 'number') {
    throw new DatabaseActionError('DATABASE_REQUEST_FAILED', `Cannot apply ${operator} to a value of non-numeric type at '${path}'`);
  }
  writePath(document, path, combine(current, operand));
}

function applyBound(document: DocObject, path: string, operand: DocValue, replaces: (order: number) => boolean): void {
  const current = readPath(document, path);
  if (current === undefined || replaces(compareValues(operand, current))) writePath(document, path, cloneValue(operand));
}

function renameField(document: DocObject, path: string, target: DocValue): void {
  if (typeof target !== 'string') throw new DatabaseActionError('INVALID_PARAM', '$rename needs a field name');
  guardId(target);
  const value = readPath(document, path);
  if (value === undefined) return;
  deletePath(document, path);
  writePath(document, target, value);
}

function pushValues(document: DocObject, path: string, operand: DocValue): void {
  const modifiers = isDocObject(operand) && '$each' in operand ? operand : { $each: [operand] };
  const values = requireArray('$push $each', modifiers.$each ?? null).map((value) => cloneValue(value));
  const array = arrayAt(document, path, '$push');
  const position = typeof modifiers.$position === 'number' ? modifiers.$position : array.length;
  array.splice(position < 0 ? Math.max(array.length + position, 0) : position, 0, ...values);
  if (typeof modifiers.$slice === 'number') {
    const kept = modifiers.$slice >= 0 ? array.slice(0, modifiers.$slice) : array.slice(modifiers.$slice);
    array.splice(0, array.length, ...kept);
  }
}

function popValue(document: DocObject, path: string, operand: DocValue): void {
  const current = readPath(document, path);
  if (current === undefined) return;
  if (!Array.isArray(current)) throw new DatabaseActionError('DATABASE_REQUEST_FAILED', `Path '${path}' is not an array`);
  if (operand === -1) current.shift();
  else current.pop();
}

function addToSet(document: DocObject, path: string, operand: DocValue): void {
  const values = isDocObject(operand) && '$each' in operand ? requireArray('$addToSet $each', operand.$each ?? null) : [operand];
  const array = arrayAt(document, path, '$addToSet');
  for (const value of values) {
    if (!array.some((item) => valuesEqual(item, value))) array.push(cloneValue(value));
  }
}

function removeFromArray(document: DocObject, path: string, shouldRemove: (item: DocValue) => boolean): void {
  const current = readPath(document, path);
  if (current === undefined) return;
  if (!Array.isArray(current)) throw new DatabaseActionError('DATABASE_REQUEST_FAILED', `Path '${path}' is not an array`);
  const kept = current.filter((item) => !shouldRemove(item));
  current.splice(0, current.length, ...kept);
}

function pullMatches(item: DocValue, condition: DocValue): boolean {
  if (isOperatorObject(condition)) return matchesQuery({ value: item }, { value: condition });
  if (isDocObject(condition) && isDocObject(item)) return matchesQuery(item, condition);
  return valuesEqual(item, condition);
}

function arrayAt(document: DocObject, path: string, operator: string): DocValue[] {
  const current = readPath(document, path);
  if (current === undefined) {
    const created: DocValue[] = [];
    writePath(document, path, created);
    return created;
  }
  if (!Array.isArray(current)) {
    throw new DatabaseActionError('DATABASE_REQUEST_FAILED', `The field '${path}' must be an array for ${operator}`);
  }
  return current;
}

function requireArray(operator: string, operand: DocValue): DocValue[] {
  if (!Array.isArray(operand)) throw new DatabaseActionError('INVALID_PARAM', `${operator} needs an array`);
  return operand;
}
