import { Query, find } from 'mingo';

import { DatabaseActionError } from './database-errors';
import { DocObject } from './database-values';

/**
 * A decoded query as MongoDB reads it (CloudBase's database is MongoDB-like), through mingo: field
 * equality on nested paths and array members, RegExp values, the comparison, element, array and logical
 * operators. An unknown operator throws DATABASE_INVALID_OPERRATOR, whatever the data.
 */
export function compileQuery(query: DocObject): (document: DocObject) => boolean {
  const compiled = mingoCall(() => new Query(query));
  return (document) => mingoCall(() => compiled.test(document));
}

/** Sorts by `{ path: 1 | -1, ... }` (key order = priority), stably; a missing field sorts first ascending. */
export function sortDocuments(documents: DocObject[], order: DocObject): DocObject[] {
  for (const [path, direction] of Object.entries(order)) {
    if (direction !== 1 && direction !== -1) throw new DatabaseActionError('INVALID_PARAM', `order of "${path}" must be 1 or -1`);
  }
  return mingoCall(() => find(documents, {}).sort(order as Record<string, 1 | -1>).all() as DocObject[]);
}

/** Applies a projection `{ path: 1 | 0 | true | false | { $slice … } }` as MongoDB does. */
export function projectDocument(document: DocObject, projection: DocObject): DocObject {
  return mingoCall(() => find([document], {}, projection).all()[0] as DocObject);
}

function mingoCall<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof DatabaseActionError) throw error;
    const message = (error as Error).message;
    throw new DatabaseActionError(/unknown .*operator/i.test(message) ? 'DATABASE_INVALID_OPERRATOR' : 'INVALID_PARAM', message);
  }
}
