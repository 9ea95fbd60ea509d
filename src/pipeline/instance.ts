import { InvocationContext, TimeBudget, createDeadlinesInFlight } from '../budget';
import type { CloudDatabase } from '../platform/cloudbase/archive';
import { withDatabaseRetry } from '../platform/cloudbase/database-retry';
import type { CloudSdk } from '../platform/cloudbase/sdk';
import type { Log } from '../reply';
import { DEFAULT_RETRY_POLICY } from '../retry';

/** What every function needs from the outside. Only `cloud` is required; the rest default to the runtime's. */
export interface InstanceDependencies {
  cloud: CloudSdk;
  env?: Readonly<Record<string, string | undefined>>;
  now?: () => Date;
  log?: Log;
}

/**
 * What one function instance keeps across its invocations, the same for all four functions: the
 * clock, the environment, the log (each line of an invocation with its request id), and the
 * environment's database with its requests retried within the deadlines of the invocations in flight.
 */
export interface Instance {
  readonly cloud: CloudSdk;
  readonly env: Readonly<Record<string, string | undefined>>;
  now(): Date;
  /** The log of one invocation: every line carries its `request_id`. */
  logFor(context: InvocationContext | undefined): Log;
  /** `cloud.database()`, its requests retried (see `database-retry.ts`) within {@link Instance.track}ed deadlines. */
  database(): CloudDatabase;
  /** Counts an invocation's deadline in, for the database's retries; the function returned counts it out. */
  track(budget: TimeBudget): () => void;
}

const logToConsole: Log = (entry) => console.log(JSON.stringify(entry));

/** The {@link Instance} of a function, from its dependencies. */
export function createInstance(dependencies: InstanceDependencies): Instance {
  const now = dependencies.now ?? (() => new Date());
  const baseLog = dependencies.log ?? logToConsole;
  const deadlines = createDeadlinesInFlight();
  let db: CloudDatabase | undefined;
  return {
    cloud: dependencies.cloud,
    env: dependencies.env ?? process.env,
    now,
    logFor: (context) => (context?.request_id ? (entry) => baseLog({ requestId: context.request_id, ...entry }) : baseLog),
    database: () =>
      (db ??= withDatabaseRetry(dependencies.cloud.database(), { ...DEFAULT_RETRY_POLICY, deadline: deadlines.earliest, now: () => now().getTime() })),
    track: (budget) => deadlines.track(budget.deadline),
  };
}
