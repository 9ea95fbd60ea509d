import { randomUUID } from 'crypto';
import { mkdir, readFile, rename, writeFile } from 'fs/promises';
import { dirname } from 'path';

import {
  Collection,
  CollectionAction,
  RequestBody,
  countDocuments,
  getDocuments,
  insertDocuments,
  keyOf,
  modifyDocuments,
  removeDocuments,
} from './database-actions';
import { decodeEjson, encodeEjson, JsonValue } from './database-ejson';
import {
  COLLECTION_ALREADY_EXIST_MESSAGE,
  COLLECTION_NOT_EXIST_MESSAGE,
  DatabaseActionError,
} from './database-errors';
import { cloneValue, isDocObject } from './database-values';

export { DatabaseActionError } from './database-errors';
export type { DatabaseErrorCode } from './database-errors';
export type { DocObject, DocValue } from './database-values';

/** What the HTTP layer sends back: always status 200, as the CloudBase gateway does for database errors. */
export interface DatabaseReply {
  status: number;
  json: unknown;
}

interface SavedStore {
  collections: Record<string, JsonValue[]>;
}

/** In-memory CloudBase database: named collections of documents. */
export class DocumentStore {
  private readonly collections = new Map<string, Collection>();

  /**
   * Loads a store written by {@link DocumentStore.saveTo}; an empty store if the file does not exist.
   * Throws if the file exists but is not a saved store.
   */
  static async fromFile(file: string): Promise<DocumentStore> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new DocumentStore();
      throw error;
    }
    try {
      return DocumentStore.fromSaved(JSON.parse(text));
    } catch (error) {
      throw new Error(`${file} is not a saved document store: ${(error as Error).message}`);
    }
  }

  private static fromSaved(saved: unknown): DocumentStore {
    const collections = (saved as Partial<SavedStore> | null)?.collections;
    if (typeof collections !== 'object' || collections === null) throw new Error('missing "collections"');
    const store = new DocumentStore();
    for (const [name, documents] of Object.entries(collections)) {
      if (!Array.isArray(documents)) throw new Error(`collection "${name}" is not an array`);
      store.createCollection(name);
      const collection = store.liveCollection(name);
      for (const document of documents.map((raw) => decodeEjson(raw, new Date()))) {
        if (!isDocObject(document) || document._id === undefined) throw new Error(`a document of "${name}" has no _id`);
        collection.set(keyOf(document), document);
      }
    }
    return store;
  }

  /** Writes every collection to `file` as relaxed Extended JSON (dates as `{ "$date": ISO }`), atomically. */
  async saveTo(file: string): Promise<void> {
    const saved: SavedStore = { collections: {} };
    for (const [name, collection] of this.collections) {
      saved.collections[name] = [...collection.values()].map((document) => encodeEjson(document, 'relaxed'));
    }
    await mkdir(dirname(file), { recursive: true });
    const temporaryFile = `${file}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(temporaryFile, `${JSON.stringify(saved, null, 2)}\n`, 'utf8');
    await rename(temporaryFile, file);
  }

  /** Names of the existing collections, sorted. */
  collectionNames(): string[] {
    return [...this.collections.keys()].sort();
  }

  /** Deep copies of a collection's documents in insertion order (Dates stay Dates); empty if it does not exist. */
  documents(collection: string): Record<string, unknown>[] {
    return [...(this.collections.get(collection)?.values() ?? [])].map((document) => cloneValue(document));
  }

  /** True if the collection exists. */
  hasCollection(name: string): boolean {
    return this.collections.has(name);
  }

  /** Creates an empty collection; does nothing if it exists (the `database.addCollection` action refuses instead). */
  createCollection(name: string): void {
    if (!this.collections.has(name)) this.collections.set(name, new Map());
  }

  /** Drops every collection and document. */
  clear(): void {
    this.collections.clear();
  }

  /**
   * The live (uncopied) documents of a collection, for the action handlers.
   * Throws DatabaseActionError(DATABASE_COLLECTION_NOT_EXIST) if it does not exist.
   */
  liveCollection(name: string): Collection {
    const collection = this.collections.get(name);
    if (!collection) throw new DatabaseActionError('DATABASE_COLLECTION_NOT_EXIST', COLLECTION_NOT_EXIST_MESSAGE);
    return collection;
  }
}

const COLLECTION_ACTIONS: Record<string, CollectionAction | undefined> = {
  'database.insertDocument': insertDocuments,
  'database.getDocument': getDocuments,
  'database.calculateDocument': countDocuments,
  'database.modifyDocument': modifyDocuments,
  'database.removeDocument': removeDocuments,
};

/**
 * Answers one database request of wx-server-sdk / @cloudbase/node-sdk (the parsed JSON body it POSTs,
 * with `action` such as `database.getDocument`). Success: `{ data, requestId }` (`{ requestId }` for
 * `database.addCollection`). Failure: `{ code, message, requestId }`, which the SDK throws with the
 * matching errCode (e.g. DATABASE_COLLECTION_NOT_EXIST gives -502005). Never throws; always status 200.
 */
export function handleDatabaseAction(store: DocumentStore, body: Record<string, unknown>): DatabaseReply {
  const requestId = randomUUID();
  try {
    const data = runAction(store, body, new Date());
    return { status: 200, json: data === undefined ? { requestId } : { data, requestId } };
  } catch (error) {
    return { status: 200, json: { ...errorContent(error), requestId } };
  }
}

function runAction(store: DocumentStore, body: unknown, now: Date): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new DatabaseActionError('INVALID_PARAM', 'the request body must be a JSON object');
  }
  const request = body as RequestBody;
  const isAddCollection = request.action === 'database.addCollection';
  const action = typeof request.action === 'string' ? COLLECTION_ACTIONS[request.action] : undefined;
  if (!action && !isAddCollection) {
    throw new DatabaseActionError('INVALID_PARAM', `unsupported action ${JSON.stringify(request.action)}`);
  }
  if (request.transactionId !== undefined) {
    throw new DatabaseActionError('INVALID_PARAM', 'transactions are not supported by the emulator');
  }
  const collectionName = requireCollectionName(request);
  if (!action) {
    addCollection(store, collectionName);
    return undefined;
  }
  return action(store.liveCollection(collectionName), request, now);
}

function addCollection(store: DocumentStore, name: string): void {
  if (store.hasCollection(name)) {
    throw new DatabaseActionError('DATABASE_COLLECTION_ALREADY_EXIST', COLLECTION_ALREADY_EXIST_MESSAGE);
  }
  store.createCollection(name);
}

function requireCollectionName(request: RequestBody): string {
  const name = request.collectionName;
  if (typeof name !== 'string' || name === '') {
    throw new DatabaseActionError('INVALID_PARAM', 'collectionName must be a non-empty string');
  }
  return name;
}

function errorContent(error: unknown): { code: string; message: string } {
  if (error instanceof DatabaseActionError) return { code: error.code, message: error.message };
  return { code: 'SYS_ERR', message: `emulator error: ${error instanceof Error ? error.message : String(error)}` };
}
