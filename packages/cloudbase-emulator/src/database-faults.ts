import { CLOUDBASE_ERROR_CODES } from './open-api';

/**
 * The `action`s wx-server-sdk 4.0.2 (through @cloudbase/database) sends for the database, as the emulator
 * answers them: `add()` is `database.insertDocument`, `count()` is `database.calculateDocument`, `update()`
 * and `set()` are `database.modifyDocument`, `remove()` is `database.removeDocument`.
 */
export const DATABASE_ACTIONS = [
  'database.addCollection',
  'database.insertDocument',
  'database.getDocument',
  'database.calculateDocument',
  'database.modifyDocument',
  'database.removeDocument',
] as const;

/** The actions that change what is stored: a fault on them may come before or after the change. */
export const DATABASE_WRITE_ACTIONS: ReadonlySet<string> = new Set([
  'database.addCollection',
  'database.insertDocument',
  'database.modifyDocument',
  'database.removeDocument',
]);

/**
 * How a faulty database request is answered:
 * - `fail`: HTTP 200 with CloudBase's JSON error `{ code, message, requestId }` for `errcode`;
 * - `empty`: HTTP 200 with an empty body;
 * - `malformed`: HTTP 200 with a body that is not JSON;
 * - `drop`: the connection is destroyed without a reply.
 */
export type DatabaseFaultReply = 'fail' | 'empty' | 'malformed' | 'drop';
const DATABASE_FAULT_REPLIES: readonly DatabaseFaultReply[] = ['fail', 'empty', 'malformed', 'drop'];

/** What `faults.failDatabase`, `POST /control/faults {"action": …}` and `--db-fault` take. */
export interface DatabaseFaultSpec {
  /** `'*'` (default), a full action (`database.getDocument`) or its short form (`getDocument`). */
  action?: string;
  /** Only requests on this collection; default any. */
  collection?: string;
  /** The CloudBase code (-501001 … -501009, -502001 … -502005) of a `fail` reply; giving it implies `fail`. */
  errcode?: number;
  /** Default `fail` when `errcode` is given; otherwise required. */
  reply?: DatabaseFaultReply;
  /** How many matching requests fail (default 1); ignored with `persistent`. */
  times?: number;
  /** Every matching request fails until the faults are cleared (a used-up quota: -501003). */
  persistent?: boolean;
  /**
   * For a write action: `true` stores the write and then answers the fault (the platform does not say
   * whether a failed write was stored); default `false`, the write is not applied.
   */
  applied?: boolean;
  /** The `message` of a `fail` reply; default `injected CloudBase error CODE`. */
  message?: string;
  /** The first `after` matching requests pass untouched (the sync's lease, say, before its month writes); default 0. */
  after?: number;
  /** The fault's answer waits this many ms (a write that hangs until the caller's deadline cuts it); default 0. */
  delayMs?: number;
}

/** A scheduled database fault, as `GET /control/faults` lists it. */
export interface DatabaseFault {
  action: string;
  collection: string | null;
  reply: DatabaseFaultReply;
  /** The CloudBase code of a `fail` reply (and its string form in `code`); null for the other replies. */
  errcode: number | null;
  code: string | null;
  message: string | null;
  /** Requests still to fail; null when persistent. */
  remaining: number | null;
  applied: boolean;
  /** Matching requests still to pass before the fault is taken. */
  after: number;
  /** How long the fault's answer waits, in ms. */
  delayMs: number;
}

const ANY_ACTION = '*';
const SPEC_KEYS = new Set(['action', 'collection', 'errcode', 'reply', 'times', 'persistent', 'applied', 'message', 'after', 'delayMs']);

/** The CloudBase codes a database fault may answer: -501001 … -501009 and -502001 … -502005. */
export const DATABASE_FAULT_CODES: ReadonlyMap<number, string> = new Map(
  [...CLOUDBASE_ERROR_CODES].filter(([errcode]) => (errcode <= -501001 && errcode >= -501009) || (errcode <= -502001 && errcode >= -502005)),
);

/** `'*'`, a full database action or its short form; throws RangeError for anything else. */
export function resolveDatabaseAction(name: string): string {
  const trimmed = name.trim();
  if (trimmed === ANY_ACTION) return ANY_ACTION;
  const match = DATABASE_ACTIONS.find((action) => action === trimmed || action.slice('database.'.length) === trimmed);
  if (match === undefined) {
    throw new RangeError(
      `unknown database action "${name}": use *, or one of ${DATABASE_ACTIONS.join(', ')} (or without "database."; add() is insertDocument, count() calculateDocument, update()/set() modifyDocument)`,
    );
  }
  return match;
}

/** Checks a spec (from JSON or code) and makes the fault it describes; throws RangeError with what is wrong. */
export function checkDatabaseFault(spec: unknown): DatabaseFault {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new RangeError('a database fault must be an object such as {"action": "getDocument", "errcode": -502001}');
  const fields = spec as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !SPEC_KEYS.has(key));
  if (unknown.length > 0) throw new RangeError(`unknown database fault field ${unknown.join(', ')}: use ${[...SPEC_KEYS].join(', ')}`);
  const { action = ANY_ACTION, collection, errcode, reply, times = 1, persistent = false, applied = false, message, after = 0, delayMs = 0 } = fields;
  if (typeof after !== 'number' || !Number.isInteger(after) || after < 0) throw new RangeError(`after must be a non-negative integer, got ${JSON.stringify(after)}`);
  if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) throw new RangeError(`delayMs must be a non-negative number of ms, got ${JSON.stringify(delayMs)}`);
  if (typeof action !== 'string') throw new RangeError(`action must be a string such as "database.getDocument" or "*", got ${JSON.stringify(action)}`);
  const resolvedAction = resolveDatabaseAction(action);
  if (collection !== undefined && (typeof collection !== 'string' || collection === '')) throw new RangeError(`collection must be a non-empty string, got ${JSON.stringify(collection)}`);
  if (reply !== undefined && !DATABASE_FAULT_REPLIES.includes(reply as DatabaseFaultReply)) {
    throw new RangeError(`reply must be one of ${DATABASE_FAULT_REPLIES.join(', ')}, got ${JSON.stringify(reply)}`);
  }
  const kind: DatabaseFaultReply = (reply as DatabaseFaultReply | undefined) ?? 'fail';
  if (kind === 'fail') {
    if (typeof errcode !== 'number' || !DATABASE_FAULT_CODES.has(errcode)) {
      throw new RangeError(`a database fault answers a CloudBase code (${[...DATABASE_FAULT_CODES.keys()].join(', ')}) or reply empty, malformed or drop; got errcode ${JSON.stringify(errcode)}`);
    }
  } else if (errcode !== undefined) {
    throw new RangeError(`errcode goes with reply "fail" only, not "${kind}"`);
  }
  if (typeof persistent !== 'boolean') throw new RangeError(`persistent must be true or false, got ${JSON.stringify(persistent)}`);
  if (!persistent && (typeof times !== 'number' || !Number.isInteger(times) || times < 1)) throw new RangeError(`times must be a positive integer, got ${JSON.stringify(times)}`);
  if (typeof applied !== 'boolean') throw new RangeError(`applied must be true or false, got ${JSON.stringify(applied)}`);
  if (applied && resolvedAction !== ANY_ACTION && !DATABASE_WRITE_ACTIONS.has(resolvedAction)) {
    throw new RangeError(`applied: true is for writes (${[...DATABASE_WRITE_ACTIONS].join(', ')} or *), not ${resolvedAction}`);
  }
  if (message !== undefined && (typeof message !== 'string' || kind !== 'fail')) throw new RangeError('message must be a string, for reply "fail" only');
  const code = kind === 'fail' ? (DATABASE_FAULT_CODES.get(errcode as number) ?? null) : null;
  return {
    action: resolvedAction,
    collection: (collection as string | undefined) ?? null,
    reply: kind,
    errcode: kind === 'fail' ? (errcode as number) : null,
    code,
    message: kind === 'fail' ? ((message as string | undefined) ?? `injected CloudBase error ${code ?? ''}`) : null,
    remaining: persistent ? null : (times as number),
    applied,
    after,
    delayMs,
  };
}

/**
 * The faults and latencies of database requests. Faults are taken in the order they were scheduled, each
 * by the next request whose action and collection match; a persistent one is never used up.
 */
export class DatabaseFaultPlan {
  private readonly scheduled: DatabaseFault[] = [];
  private readonly latencyByAction = new Map<string, number>();

  /** Schedules a fault (see {@link DatabaseFaultSpec}); returns it as listed. Throws RangeError. */
  schedule(spec: DatabaseFaultSpec | Record<string, unknown>): DatabaseFault {
    const fault = checkDatabaseFault(spec);
    this.scheduled.push(fault);
    return { ...fault };
  }

  /** Delays the answer to `action` (`'*'`: every database action) by `ms`; 0 clears. */
  latency(ms: number, action: string = ANY_ACTION): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be a non-negative number of ms, got ${ms}`);
    const resolved = resolveDatabaseAction(action);
    if (ms === 0) this.latencyByAction.delete(resolved);
    else this.latencyByAction.set(resolved, ms);
  }

  /** The delay for `action`: its own setting, else the one for every action; undefined when neither is set. */
  latencyFor(action: string): number | undefined {
    return this.latencyByAction.get(action) ?? this.latencyByAction.get(ANY_ACTION);
  }

  /** Takes the fault a request of `action` on `collection` meets, if any. */
  take(action: string, collection: string | undefined): DatabaseFault | undefined {
    const index = this.scheduled.findIndex(
      (fault) => (fault.action === ANY_ACTION || fault.action === action) && (fault.collection === null || fault.collection === collection),
    );
    const fault = this.scheduled[index];
    if (!fault) return undefined;
    if (fault.after > 0) {
      fault.after -= 1;
      return undefined;
    }
    if (fault.remaining !== null) {
      fault.remaining -= 1;
      if (fault.remaining === 0) this.scheduled.splice(index, 1);
    }
    return { ...fault };
  }

  list(): { faults: DatabaseFault[]; latencies: Array<{ action: string; ms: number }> } {
    return {
      faults: this.scheduled.map((fault) => ({ ...fault })),
      latencies: [...this.latencyByAction].map(([action, ms]) => ({ action, ms })),
    };
  }

  clear(): void {
    this.scheduled.length = 0;
    this.latencyByAction.clear();
  }
}

/** The body of a `malformed` database reply: the start of a JSON reply, cut. */
export const MALFORMED_DATABASE_REPLY = '{"data":{"list":[{"_id":"';
