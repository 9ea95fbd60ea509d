import { AnalyticsError } from './errors';

/** What the platform passes as the second argument of `main` (the fields the time budget reads). */
export interface InvocationContext {
  function_name?: string;
  request_id?: string;
  /** The function's time limit, in milliseconds. */
  time_limit_in_ms?: number;
  /** Milliseconds left before the platform stops the invocation. */
  getRemainingTimeInMillis?: () => number;
}

/** The default time limit of a cloud function, in milliseconds (the console can raise it). */
export const DEFAULT_TIME_LIMIT_MS = 3000;
/** Milliseconds kept back at the end of an invocation to store what arrived and reply. */
export const REPLY_MARGIN_MS = 400;
/** Milliseconds a shard (an invocation a timer run starts) keeps back before its starter's deadline, for its reply to travel back. */
export const SHARD_REPLY_MARGIN_MS = 300;
/** The least time, in ms, worth starting a shard with: less, and it could not even read its authorizers. */
export const MIN_SHARD_MS = 500;
/** Milliseconds of the reply margin that giving a lease back may take once the deadline has passed. */
export const RELEASE_GRACE_MS = 200;
/** The longest a cloud function may run (900 s), in milliseconds: no deadline it is given lies further ahead. */
export const LONGEST_INVOCATION_MS = 900_000;

/**
 * The time one invocation may spend: no WeChat or database call runs past {@link TimeBudget.deadline},
 * so that the caller gets a typed reply before the platform kills the function.
 */
export interface TimeBudget {
  /** Epoch milliseconds at which `main` started. */
  readonly startedAt: number;
  /** Epoch milliseconds after which no call of this invocation may still be running. */
  readonly deadline: number;
  /** Milliseconds left before the deadline (0 once it has passed). */
  remaining(): number;
  /** Epoch milliseconds now, by the invocation's clock. */
  now(): number;
  /** The deadline (epoch ms) of an invocation this one starts and waits for (a shard): its own, less {@link SHARD_REPLY_MARGIN_MS}. */
  childDeadline(): number;
  /** How long (epoch ms) a lease this invocation takes lasts: its deadline and the reply margin, after which a crashed holder blocks no one. */
  leaseUntil(): number;
  /**
   * True when work that takes `durationMs` (ms; the slowest call so far, say) started now would end
   * before the deadline: the one rule for whether a call may still start.
   */
  canStart(durationMs: number): boolean;
  /** Aborted at the deadline; for transports that can cancel a request. */
  readonly signal: AbortSignal;
  /**
   * Settles like `work`, or rejects with `DEADLINE_EXCEEDED` (recovery `later`) at the deadline,
   * whichever comes first. `what` names the work in the message, e.g. "WeChat's answer for 2024-05".
   */
  race<T>(work: Promise<T>, what: string): Promise<T>;
  /**
   * The invocation is over: the timer behind {@link TimeBudget.signal} is cleared, so that nothing of
   * the invocation runs in a later one of the same instance. Past the deadline the signal is aborted
   * now, as that timer would have (before it, no call of the invocation is still running).
   */
  end(): void;
}

/**
 * The budget of an invocation that started at `startedAt` (epoch ms, by the injected clock `now`):
 * the context's remaining time (or its time limit, or 3 s) less {@link REPLY_MARGIN_MS}, and never
 * after `notAfter` (epoch ms) when given: the deadline of the run that started this one.
 */
export function createTimeBudget(context: InvocationContext | undefined, startedAt: number, now: () => number, notAfter?: number): TimeBudget {
  const remainingAtStart =
    typeof context?.getRemainingTimeInMillis === 'function'
      ? context.getRemainingTimeInMillis()
      : typeof context?.time_limit_in_ms === 'number'
        ? context.time_limit_in_ms
        : DEFAULT_TIME_LIMIT_MS;
  const own = startedAt + Math.max((Number.isFinite(remainingAtStart) ? remainingAtStart : DEFAULT_TIME_LIMIT_MS) - REPLY_MARGIN_MS, 0);
  const deadline = notAfter === undefined ? own : Math.max(Math.min(own, notAfter), startedAt);
  const remaining = () => Math.max(deadline - now(), 0);
  let controller: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  return {
    startedAt,
    deadline,
    remaining,
    now,
    canStart: (durationMs) => now() + durationMs < deadline,
    childDeadline: () => deadline - SHARD_REPLY_MARGIN_MS,
    leaseUntil: () => deadline + REPLY_MARGIN_MS,
    get signal() {
      if (!controller) {
        controller = new AbortController();
        const abort = controller;
        timer = setTimeout(() => abort.abort(deadlineError('the call')), remaining());
        timer.unref?.();
      }
      return controller.signal;
    },
    race(work, what) {
      const left = remaining();
      if (left <= 0) {
        work.catch(() => undefined);
        return Promise.reject(deadlineError(what));
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(deadlineError(what)), left);
        work.then(
          (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          (error: unknown) => {
            clearTimeout(timer);
            reject(error);
          },
        );
      });
    },
    end() {
      if (timer === undefined) return;
      clearTimeout(timer);
      timer = undefined;
      if (remaining() <= 0 && controller && !controller.signal.aborted) controller.abort(deadlineError('the call'));
    },
  };
}

function deadlineError(what: string): AnalyticsError {
  return new AnalyticsError('DEADLINE_EXCEEDED', `${what} did not arrive within this call's time limit; call again to get it.`, {
    recovery: 'later',
  });
}

/**
 * The deadlines of the invocations an instance is running: what bounds work shared by all of them (the
 * database's retries, through one wrapped database per instance). CloudBase runs one invocation at a
 * time per instance by default; with several, the earliest deadline bounds them all, so no retry
 * outlives any of them.
 */
export interface DeadlinesInFlight {
  /** Adds an invocation's deadline (epoch ms); the function returned removes it. */
  track(deadline: number): () => void;
  /** The earliest deadline in flight (epoch ms); `Infinity` when none is. */
  earliest(): number;
}

/** An empty {@link DeadlinesInFlight}. */
export function createDeadlinesInFlight(): DeadlinesInFlight {
  const deadlines: number[] = [];
  return {
    track(deadline) {
      deadlines.push(deadline);
      return () => {
        const index = deadlines.indexOf(deadline);
        if (index >= 0) deadlines.splice(index, 1);
      };
    },
    earliest: () => (deadlines.length === 0 ? Infinity : Math.min(...deadlines)),
  };
}
