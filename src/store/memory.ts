import { deserialize, serialize } from 'v8';
import { Document, DocumentStore, Match, fieldMatches } from './documents';

/** A deep copy by the structured-clone algorithm (`structuredClone` arrived only in Node 17; the floor is 16.13). */
const copy = <T>(value: T): T => deserialize(serialize(value)) as T;

/** A {@link DocumentStore} in a Map: the tests' stand-in for a collection, with the same contract as CloudBase's. */
export function createMemoryDocuments(documents: Map<string, Document> = new Map()): DocumentStore & { documents: Map<string, Document> } {
  const holds = (document: Document, match: Match) => Object.entries(match).every(([field, expected]) => fieldMatches(document[field], expected));
  return {
    documents,
    async read(id) {
      const document = documents.get(id);
      return document === undefined ? undefined : copy(document);
    },
    async create(id, data) {
      if (documents.has(id)) return 'exists';
      documents.set(id, copy({ ...data, _id: id }));
      return 'created';
    },
    async updateIf(id, match, fields) {
      const document = documents.get(id);
      if (!document || !holds(document, match)) return false;
      Object.assign(document, copy(fields));
      return true;
    },
    async removeIf(id, match) {
      const document = documents.get(id);
      if (!document || !holds(document, match)) return false;
      documents.delete(id);
      return true;
    },
  };
}
