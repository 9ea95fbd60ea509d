import type { ArchiveStore } from '../archive/store';
import type { TimeBudget } from '../budget';
import type { ErrorBody, ErrorCode } from '../contract';
import { fromDatabaseError } from '../platform/cloudbase/database-errors';
import { isPlainObject } from '../reports/numbers';
import { Log, describe } from '../reply';

/**
 * How long a timer run's failure mark lasts, in ms: 5 minutes. The platform retries a failed timer
 * invocation (an asynchronous one: twice by default, Tencent Cloud SCF "错误类型与重试策略"; the deploy
 * sets `retryCount` 1, see `docs/platform-failures.md`); inside this window a retry fails at once. Short,
 * so that a fix (a permission added, a variable set, the function uploaded again from WeChat DevTools)
 * is not held up for long: the next timer run after it tries in full.
 */
export const FAILURE_MARK_MS = 5 * 60 * 1000;

/** A timer run's failure that no later run can fix by itself, as marked: its error, and until when (epoch ms) it holds. */
export interface FailureMark {
  error: ErrorBody;
  /** When the run that failed started, epoch ms. */
  at: number;
  /** Epoch ms after which the mark is ignored. */
  until: number;
}

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'INVALID_ARGUMENT', 'MONTH_NOT_COMPLETE', 'FORBIDDEN', 'PERMISSION_NOT_DECLARED', 'DATA_NOT_READY', 'QUOTA_EXCEEDED',
  'UPSTREAM_ERROR', 'DEADLINE_EXCEEDED', 'CONFIGURATION_ERROR', 'AUTHORIZATION_REQUIRED', 'INTERNAL_ERROR',
]);

/** A stored mark, checked: undefined when it is not one the functions write. */
export function parseFailureMark(document: unknown): FailureMark | undefined {
  if (!isPlainObject(document)) return undefined;
  const { error, at, until } = document;
  if (!isPlainObject(error) || typeof at !== 'number' || typeof until !== 'number') return undefined;
  const { code, message, wxErrCode } = error;
  if (typeof code !== 'string' || !ERROR_CODES.has(code) || typeof message !== 'string') return undefined;
  if (wxErrCode !== undefined && typeof wxErrCode !== 'number') return undefined;
  const body: ErrorBody = wxErrCode === undefined ? { code: code as ErrorCode, message } : { code: code as ErrorCode, message, wxErrCode };
  return { error: body, at, until };
}

/**
 * The mark a timer run of `name` must honour at `now` (epoch ms): one whose window is open (and that was
 * not set in the future, a clock gone wrong, nor for longer than {@link FAILURE_MARK_MS}), else
 * undefined. A mark that cannot be read is not "no mark": the database's error is thrown (the run fails;
 * it could not have stored a month either); a read the deadline cut throws `DEADLINE_EXCEEDED`, which
 * the run reports as deferred.
 */
export async function liveFailureMark(archive: ArchiveStore, name: string, now: number, budget: TimeBudget): Promise<FailureMark | undefined> {
  let document: unknown;
  try {
    document = await budget.race(archive.readMark(name), "The timer's failure mark");
  } catch (error) {
    throw fromDatabaseError(error, "Reading the timer's failure mark");
  }
  const mark = parseFailureMark(document);
  // A mark no run could have written (set in the future, or for longer than FAILURE_MARK_MS) is ignored.
  return mark && mark.at <= now && now < mark.until && mark.until - mark.at <= FAILURE_MARK_MS ? mark : undefined;
}

/**
 * Removes the failure mark `name` once a run proved the failure gone (an admin's backfill that ended
 * without a failure that never clears). A failure to remove it is logged: the mark expires by itself.
 */
export async function clearFailureMark(archive: ArchiveStore, name: string, budget: TimeBudget, log: Log): Promise<void> {
  try {
    await budget.race(archive.removeMark(name), "The timer's failure mark");
  } catch (failure) {
    log({ level: 'warn', event: 'failure_mark_clear_failed', error: describe(failure) });
  }
}

/** The reply of a timer run that a live mark fails at once: the marked error, saying so. */
export function failedFast(mark: FailureMark): ErrorBody {
  const at = new Date(mark.at).toISOString();
  const until = new Date(mark.until).toISOString();
  return {
    ...mark.error,
    message: `${mark.error.message} (A timer run failed this way at ${at}; until ${until} the platform's retries fail at once, without a WeChat call.)`,
  };
}

/**
 * Marks that a timer run of `name`, started at `at` (epoch ms), failed with `error`, which no later run
 * fixes by itself: the platform's retries within {@link FAILURE_MARK_MS} fail at once. A mark that
 * cannot be written is logged: the retries then run in full, as without it.
 */
export async function markFailure(archive: ArchiveStore, name: string, error: ErrorBody, at: number, budget: TimeBudget, log: Log): Promise<void> {
  const mark: FailureMark = { error, at, until: at + FAILURE_MARK_MS };
  try {
    await budget.race(archive.writeMark(name, { ...mark }), "The timer's failure mark");
  } catch (failure) {
    log({ level: 'warn', event: 'failure_mark_failed', error: describe(failure) });
  }
}
