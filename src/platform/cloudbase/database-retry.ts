import { RetryPolicy, retrying } from '../../retry';
import type { CloudDatabase } from './archive';
import { errCodeOf, mayClearNow } from './database-errors';

/** wx-server-sdk's builder methods: they return a query or reference, which is wrapped in turn. */
const BUILDERS: ReadonlySet<string> = new Set(['collection', 'doc', 'where', 'limit', 'skip', 'orderBy', 'field']);
/** The methods that send a request to the database: each is retried as a whole. */
const REQUESTS: ReadonlySet<string> = new Set(['get', 'set', 'add', 'update', 'remove', 'count', 'createCollection']);

type Run = <T>(work: () => Promise<T>) => Promise<T>;

function wrap<T extends object>(target: T, run: Run): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (REQUESTS.has(property)) return (...args: unknown[]) => run(() => method.apply(object, args) as Promise<unknown>);
      if (BUILDERS.has(property)) {
        return (...args: unknown[]) => {
          const built = method.apply(object, args);
          return typeof built === 'object' && built !== null ? wrap(built, run) : built;
        };
      }
      return value;
    },
  });
}

/**
 * `db` with every request (`get`, `set`, `add`, `update`, `remove`, `count`, `createCollection`) tried
 * again, with backoff and never past `policy.deadline()`, while it fails with one of CloudBase's codes
 * that may clear within seconds (-501001 … -501004, -502001; see `mayClearNow`): the one place where
 * the database's failures are retried, so that every adapter (archive, tokens, the platform's state)
 * follows the same rule. A request the deadline left no room to retry rejects with `DEADLINE_EXCEEDED`.
 * Queries (`db.command`, values) are passed through untouched.
 *
 * A retried write may have been applied by the attempt that failed (CloudBase does not say): every
 * write of the functions is idempotent, or conditional with its outcome read back (an `add` with a
 * fixed `_id` that meets its own earlier attempt fails as a duplicate, and the adapters read back whose
 * document it is).
 */
export function withDatabaseRetry(db: CloudDatabase, policy: RetryPolicy): CloudDatabase {
  const run: Run = (work) => retrying(work, mayClearNow, policy, (error) => `A database request failed (${errCodeOf(error) ?? 'no code'})`);
  return wrap(db, run);
}
