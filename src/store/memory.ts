import { Document, DocumentStore, Match, fieldMatches } from './documents';

/** A {@link DocumentStore} in a Map: the tests' stand-in for a collection, with the same contract as CloudBase's. */
export function createMemoryDocuments(documents: Map<string, Document> = new Map()): DocumentStore & { documents: Map<string, Document> } {
  const holds = (document: Document, match: Match) => Object.entries(match).every(([field, expected]) => fieldMatches(document[field], expected));
  return {
    documents,
    async read(id) {
      const document = documents.get(id);
      return document === undefined ? undefined : structuredClone(document);
    },
    async create(id, data) {
      if (documents.has(id)) return 'exists';
      documents.set(id, structuredClone({ ...data, _id: id }));
      return 'created';
    },
    async updateIf(id, match, fields) {
      const document = documents.get(id);
      if (!document || !holds(document, match)) return false;
      Object.assign(document, structuredClone(fields));
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
