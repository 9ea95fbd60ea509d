import { createMemoryDocuments } from '../../src/store/memory';
import { documentStoreContract } from './documents';

documentStoreContract('memory', () => createMemoryDocuments());
