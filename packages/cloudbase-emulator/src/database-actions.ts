import { randomBytes } from 'crypto';

import { DatabaseActionError } from './database-errors';
import { encodeEjson, parseEjson, stringifyEjson } from './database-ejson';
import { compileQuery, projectDocument, sortDocuments } from './database-query';
import { applyUpdate, assertValidUpdate, replaceDocument } from './database-update';
import { DocObject, DocValue, isDocObject, isOperatorObject } from './database-values';

/** A collection's documents keyed by {@link documentKey} of their `_id`, in insertion order. */
export type Collection = Map<string, DocObject>;

/** The `data` member of a successful reply. */
export type ReplyData = Record<string, unknown>;

/** Body of one database request as the SDK posts it (`query`, `data`, `order`... are EJSON strings). */
export type RequestBody = Record<string, unknown>;

/** One `database.*` action working on an existing collection. */
export type CollectionAction = (collection: Collection, body: RequestBody, now: Date) => ReplyData;

/** Server-side default page size of the server SDK's `get()` and the largest page served. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** Map key of a document id: ids 'x' and the number 1 never collide. */
export function documentKey(id: DocValue): string {
  return typeof id === 'string' ? `s:${id}` : `v:${stringifyEjson(id, 'canonical')}`;
}

/** Map key of a stored document. */
export function keyOf(document: DocObject): string {
  return documentKey(idOf(document));
}

function idOf(document: DocObject): DocValue {
  return document._id ?? null;
}

/** A 32-hex-digit id, the shape CloudBase gives to documents added without `_id`. */
export function generateDocumentId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * `database.insertDocument` (collection.add, doc.create): `data` is an array of EJSON documents.
 * All or nothing; a duplicate `_id` fails. Reply data: `{ insertedIds }`.
 */
export const insertDocuments: CollectionAction = (collection, body, now) => {
  const documents = readInsertedDocuments(body, now).map(withDocumentId);
  const newKeys = new Set<string>();
  for (const document of documents) {
    const key = keyOf(document);
    if (collection.has(key) || newKeys.has(key)) {
      throw new DatabaseActionError('DATABASE_REQUEST_FAILED', `E11000 duplicate key error: _id ${JSON.stringify(encodeEjson(idOf(document), 'relaxed'))}`);
    }
    newKeys.add(key);
  }
  documents.forEach((document) => collection.set(keyOf(document), document));
  return { insertedIds: documents.map((document) => encodeEjson(idOf(document), 'relaxed')) };
};

/**
 * `database.getDocument` (doc.get, where().get): `query`, `order` (`{ path: 1 | -1 }`), `offset`,
 * `limit` (default 100, at most 1000), `projection`. Reply data: `{ list, limit, offset }` with each
 * document as a canonical EJSON string, which the SDK decodes with EJSON.parse.
 */
export const getDocuments: CollectionAction = (collection, body, now) => {
  const order = readOptionalObject(body, 'order', now);
  const projection = readOptionalObject(body, 'projection', now);
  const offset = readCount(body, 'offset') ?? 0;
  const limit = Math.min(readCount(body, 'limit') || DEFAULT_LIMIT, MAX_LIMIT);
  const matches = findDocuments(collection, readQuery(body, now));
  const page = (order ? sortDocuments(matches, order) : matches).slice(offset, offset + limit);
  const list = page.map((document) => stringifyEjson(projection ? projectDocument(document, projection) : document, 'canonical'));
  return { list, limit, offset };
};

/** `database.calculateDocument` (count): reply data `{ total }`. */
export const countDocuments: CollectionAction = (collection, body, now) => ({
  total: findDocuments(collection, readQuery(body, now)).length,
});

/**
 * `database.modifyDocument`: `merge: false` replaces (doc.set), `merge: true` applies update
 * operators (update); `multi` picks all matches or the first; `upsert` inserts when nothing matches.
 * `updated` counts documents whose content changed (MongoDB's nModified). Reply data:
 * `{ updated, upsert_id? }`.
 */
export const modifyDocuments: CollectionAction = (collection, body, now) => {
  const query = readQuery(body, now);
  const change = readRequiredObject(body, 'data', now);
  const merge = readBoolean(body, 'merge', true);
  if (merge) assertValidUpdate(change);
  const targets = selectTargets(findDocuments(collection, query), readBoolean(body, 'multi', false));
  if (targets.length === 0 && readBoolean(body, 'upsert', false)) {
    return { updated: 0, upsert_id: encodeEjson(upsert(collection, query, change, merge), 'relaxed') };
  }
  const changed = targets
    .map((document) => (merge ? applyUpdate(document, change) : replaceDocument(idOf(document), change, document)))
    .filter((result) => result.changed);
  changed.forEach(({ document }) => collection.set(keyOf(document), document));
  return { updated: changed.length };
};

/** `database.removeDocument` (doc.remove, where().remove): reply data `{ deleted }`. */
export const removeDocuments: CollectionAction = (collection, body, now) => {
  const targets = selectTargets(findDocuments(collection, readQuery(body, now)), readBoolean(body, 'multi', false));
  targets.forEach((document) => collection.delete(keyOf(document)));
  return { deleted: targets.length };
};

function upsert(collection: Collection, query: DocObject, change: DocObject, merge: boolean): DocValue {
  const seed = upsertSeed(query);
  const id = seed._id ?? generateDocumentId();
  const inserted = merge ? applyUpdate({ _id: id, ...seed }, change) : replaceDocument(id, change);
  collection.set(documentKey(id), { _id: id, ...inserted.document });
  return id;
}

/** The fields an upsert starts from: the query's equality conditions (MongoDB's rule). */
function upsertSeed(query: DocObject): DocObject {
  const { _id: id, ...fields } = query;
  const equalities = Object.entries(fields).filter(([path, condition]) => !path.startsWith('$') && !isOperatorObject(condition));
  const { document: seed } = applyUpdate({}, { $set: Object.fromEntries(equalities) });
  return id === undefined || isOperatorObject(id) ? seed : { _id: requireIdType(id), ...seed };
}

/**
 * The documents of `collection` that match `query`. Like CloudBase (and MongoDB), `_id` is indexed: a
 * query on one `_id` or `_id` in a list looks those documents up instead of scanning the collection
 * (no order is promised without a sort, as in CloudBase).
 */
function findDocuments(collection: Collection, query: DocObject): DocObject[] {
  const matches = compileQuery(query);
  const id = query._id;
  const ids = typeof id === 'string' || typeof id === 'number' ? [id] : idList(id);
  if (ids) {
    const found = new Map<string, DocObject>();
    for (const value of ids) {
      const key = documentKey(value);
      const document = collection.get(key);
      if (document && matches(document)) found.set(key, document);
    }
    return [...found.values()];
  }
  return [...collection.values()].filter(matches);
}

/** The ids of an `_id: { $in: [...] }` condition of strings and numbers, else undefined. */
function idList(condition: DocValue | undefined): (string | number)[] | undefined {
  if (!isOperatorObject(condition)) return undefined;
  const operators = Object.keys(condition as DocObject);
  const list = (condition as DocObject).$in;
  if (operators.length !== 1 || !Array.isArray(list)) return undefined;
  return list.every((value) => typeof value === 'string' || typeof value === 'number') ? (list as (string | number)[]) : undefined;
}

function selectTargets(matches: DocObject[], multi: boolean): DocObject[] {
  return multi ? matches : matches.slice(0, 1);
}

function withDocumentId(document: DocObject): DocObject {
  const { _id: id, ...fields } = document;
  return { _id: id === undefined ? generateDocumentId() : requireIdType(id), ...fields };
}

function requireIdType(id: DocValue): DocValue {
  if (typeof id !== 'string' && typeof id !== 'number') throw new DatabaseActionError('INVALID_PARAM', '_id must be a string or a number');
  return id;
}

function readInsertedDocuments(body: RequestBody, now: Date): DocObject[] {
  const texts = typeof body.data === 'string' ? [body.data] : body.data;
  if (!Array.isArray(texts) || texts.length === 0 || !texts.every((text) => typeof text === 'string')) {
    throw new DatabaseActionError('INVALID_PARAM', 'data must be a non-empty array of EJSON strings');
  }
  return texts.map((text: string) => requireObject(parseEjson(text, now), 'data'));
}

function readQuery(body: RequestBody, now: Date): DocObject {
  return readOptionalObject(body, 'query', now) ?? {};
}

function readRequiredObject(body: RequestBody, key: string, now: Date): DocObject {
  const value = readOptionalObject(body, key, now);
  if (!value) throw new DatabaseActionError('INVALID_PARAM', `${key} is required`);
  return value;
}

function readOptionalObject(body: RequestBody, key: string, now: Date): DocObject | undefined {
  const text = body[key];
  if (text === undefined || text === null || text === '') return undefined;
  if (typeof text !== 'string') throw new DatabaseActionError('INVALID_PARAM', `${key} must be an EJSON string`);
  return requireObject(parseEjson(text, now), key);
}

function requireObject(value: DocValue, key: string): DocObject {
  if (!isDocObject(value)) throw new DatabaseActionError('INVALID_PARAM', `${key} must be an object`);
  return value;
}

function readBoolean(body: RequestBody, key: string, fallback: boolean): boolean {
  const value = body[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new DatabaseActionError('INVALID_PARAM', `${key} must be a boolean`);
  return value;
}

function readCount(body: RequestBody, key: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new DatabaseActionError('INVALID_PARAM', `${key} must be a non-negative integer`);
  }
  return value;
}
