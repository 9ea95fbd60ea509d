import { DatabaseActionError } from './database-errors';
import {
  DocObject,
  DocValue,
  cloneValue,
  compareValues,
  deletePath,
  isDocObject,
  isOperatorObject,
  rangeComparable,
  readPath,
  valuesAtPath,
  valuesEqual,
  writePath,
} from './database-values';

type FieldOperator = (candidates: DocValue[], operand: DocValue) => boolean;

/**
 * Whether a document matches a decoded query: field equality (nested paths, array membership,
 * RegExp values), field operators $eq $ne $gt $gte $lt $lte $in $nin $exists $not $all $size
 * $elemMatch $mod, and top-level $and $or $nor. Unknown operators throw DATABASE_INVALID_OPERRATOR.
 */
export function matchesQuery(document: DocObject, query: DocObject): boolean {
  return Object.entries(query).every(([key, condition]) =>
    key.startsWith('$') ? matchesLogicalOperator(document, key, condition) : matchesCondition(valuesAtPath(document, key), condition),
  );
}

/** Throws the error {@link matchesQuery} would throw for an unsupported operator, whatever the data. */
export function assertValidQuery(query: DocObject): void {
  for (const [key, condition] of Object.entries(query)) {
    if (!key.startsWith('$')) assertValidCondition(condition);
    else if (LOGICAL_OPERATORS.has(key)) requireQueryList(key, condition).forEach(assertValidQuery);
    else throw unsupportedOperator(key);
  }
}

function assertValidCondition(condition: DocValue): void {
  if (!isOperatorObject(condition)) return;
  for (const [operator, operand] of Object.entries(condition)) {
    fieldOperator(operator);
    if (operator === '$not') assertValidCondition(operand);
    if (operator === '$elemMatch' && isOperatorObject(operand)) assertValidCondition(operand);
    else if (operator === '$elemMatch' && isDocObject(operand)) assertValidQuery(operand);
  }
}

const LOGICAL_OPERATORS = new Set(['$and', '$or', '$nor']);

function matchesLogicalOperator(document: DocObject, operator: string, operand: DocValue): boolean {
  const subqueries = requireQueryList(operator, operand);
  switch (operator) {
    case '$and':
      return subqueries.every((subquery) => matchesQuery(document, subquery));
    case '$or':
      return subqueries.some((subquery) => matchesQuery(document, subquery));
    case '$nor':
      return !subqueries.some((subquery) => matchesQuery(document, subquery));
    default:
      throw unsupportedOperator(operator);
  }
}

function requireQueryList(operator: string, operand: DocValue): DocObject[] {
  if (!Array.isArray(operand) || !operand.every(isDocObject)) {
    throw new DatabaseActionError('INVALID_PARAM', `${operator} needs an array of conditions`);
  }
  return operand as DocObject[];
}

function matchesCondition(candidates: DocValue[], condition: DocValue): boolean {
  if (!isOperatorObject(condition)) return matchesLiteral(candidates, condition);
  return Object.entries(condition).every(([operator, operand]) => fieldOperator(operator)(candidates, operand));
}

function fieldOperator(operator: string): FieldOperator {
  const implementation = FIELD_OPERATORS[operator];
  if (!implementation) throw unsupportedOperator(operator);
  return implementation;
}

const FIELD_OPERATORS: Record<string, FieldOperator | undefined> = {
  $eq: (candidates, operand) => matchesLiteral(candidates, operand),
  $ne: (candidates, operand) => !matchesLiteral(candidates, operand),
  $gt: (candidates, operand) => matchesRange(candidates, operand, (order) => order > 0),
  $gte: (candidates, operand) => matchesRange(candidates, operand, (order) => order >= 0),
  $lt: (candidates, operand) => matchesRange(candidates, operand, (order) => order < 0),
  $lte: (candidates, operand) => matchesRange(candidates, operand, (order) => order <= 0),
  $in: (candidates, operand) => requireArray('$in', operand).some((item) => matchesLiteral(candidates, item)),
  $nin: (candidates, operand) => !requireArray('$nin', operand).some((item) => matchesLiteral(candidates, item)),
  $exists: (candidates, operand) => Boolean(operand) === candidates.length > 0,
  $not: (candidates, operand) => !matchesCondition(candidates, operand),
  $all: (candidates, operand) => requireArray('$all', operand).every((item) => matchesLiteral(candidates, item)),
  $size: (candidates, operand) => candidates.some((value) => Array.isArray(value) && value.length === operand),
  $elemMatch: (candidates, operand) => arrayElements(candidates).some((element) => elementMatches(element, operand)),
  $mod: (candidates, operand) => matchesModulo(candidates, operand),
};

function matchesLiteral(candidates: DocValue[], expected: DocValue): boolean {
  if (expected === null && candidates.length === 0) return true;
  return candidates.some((value) => {
    if (expected instanceof RegExp) {
      return [value, ...(Array.isArray(value) ? value : [])].some((item) => typeof item === 'string' && new RegExp(expected).test(item));
    }
    return valuesEqual(value, expected) || (Array.isArray(value) && value.some((item) => valuesEqual(item, expected)));
  });
}

function matchesRange(candidates: DocValue[], bound: DocValue, accept: (order: number) => boolean): boolean {
  return scalarCandidates(candidates).some((value) => rangeComparable(value, bound) && accept(compareValues(value, bound)));
}

function matchesModulo(candidates: DocValue[], operand: DocValue): boolean {
  const [divisor, remainder] = requireArray('$mod', operand);
  if (typeof divisor !== 'number' || typeof remainder !== 'number' || divisor === 0) {
    throw new DatabaseActionError('INVALID_PARAM', '$mod needs [divisor, remainder]');
  }
  return scalarCandidates(candidates).some((value) => typeof value === 'number' && Math.trunc(value) % divisor === remainder);
}

function elementMatches(element: DocValue, condition: DocValue): boolean {
  if (isOperatorObject(condition)) return matchesCondition([element], condition);
  return isDocObject(element) && isDocObject(condition) && matchesQuery(element, condition);
}

function scalarCandidates(candidates: DocValue[]): DocValue[] {
  return candidates.flatMap((value) => (Array.isArray(value) ? value : [value]));
}

function arrayElements(candidates: DocValue[]): DocValue[] {
  return candidates.flatMap((value) => (Array.isArray(value) ? value : []));
}

function requireArray(operator: string, operand: DocValue): DocValue[] {
  if (!Array.isArray(operand)) throw new DatabaseActionError('INVALID_PARAM', `${operator} needs an array`);
  return operand;
}

function unsupportedOperator(operator: string): DatabaseActionError {
  return new DatabaseActionError('DATABASE_INVALID_OPERRATOR', `unsupported operator ${operator}`);
}

/**
 * Sorts by an order object `{ path: 1 | -1, ... }` (key order = priority), stably, using
 * {@link compareValues}; documents missing a field sort first in ascending order.
 */
export function sortDocuments(documents: DocObject[], order: DocObject): DocObject[] {
  const keys = Object.entries(order).map(([path, direction]) => {
    if (direction !== 1 && direction !== -1) throw new DatabaseActionError('INVALID_PARAM', `order of "${path}" must be 1 or -1`);
    return { path, direction };
  });
  return [...documents].sort((left, right) => {
    for (const { path, direction } of keys) {
      const difference = compareValues(sortKey(left, path), sortKey(right, path));
      if (difference !== 0) return difference * direction;
    }
    return 0;
  });
}

function sortKey(document: DocObject, path: string): DocValue | undefined {
  return valuesAtPath(document, path)[0];
}

/**
 * Applies a projection `{ path: 1 | 0 }`: with any inclusion, keeps `_id` (unless `_id: 0`) and the
 * included paths; otherwise drops the excluded paths. Operator projections ($slice...) count as inclusion.
 */
export function projectDocument(document: DocObject, projection: DocObject): DocObject {
  const entries = Object.entries(projection);
  const included = entries.filter(([path, flag]) => path !== '_id' && isInclusion(flag)).map(([path]) => path);
  const excluded = entries.filter(([, flag]) => !isInclusion(flag)).map(([path]) => path);
  if (included.length === 0) {
    const copy = cloneValue(document);
    excluded.forEach((path) => deletePath(copy, path));
    return copy;
  }
  const keepId = !excluded.includes('_id');
  const projected: DocObject = {};
  for (const path of keepId ? ['_id', ...included] : included) {
    const value = readPath(document, path);
    if (value !== undefined) writePath(projected, path, cloneValue(value));
  }
  return projected;
}

function isInclusion(flag: DocValue): boolean {
  return flag === true || (typeof flag === 'number' && flag > 0) || isDocObject(flag);
}
