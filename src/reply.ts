import type { FailureReply } from './contract';
import { AnalyticsError } from './errors';

/** One structured log line. */
export type Log = (entry: Record<string, unknown>) => void;

/** A short description of an unexpected error, for logs. */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  const fields = error as { errCode?: unknown; errMsg?: unknown } | null;
  if (fields && (fields.errCode !== undefined || fields.errMsg !== undefined)) return `${String(fields.errCode)} ${String(fields.errMsg)}`;
  return String(error);
}

/**
 * The one place where errors become replies: an {@link AnalyticsError} becomes its body; anything else
 * is logged with its stack and becomes a generic `INTERNAL_ERROR` that exposes nothing.
 */
export function failureReply(error: unknown, log: Log): FailureReply {
  if (error instanceof AnalyticsError) return { ok: false, error: error.toBody() };
  log({ level: 'error', event: 'unexpected_error', error: describe(error), stack: error instanceof Error ? error.stack : undefined });
  return {
    ok: false,
    error: { code: 'INTERNAL_ERROR', message: 'The analytics function failed unexpectedly; its log has the details.' },
  };
}

/**
 * What a timer run throws when it could not do its work for a reason another run will not fix
 * (configuration, a missing permission, a fault of ours): the invocation fails, so the platform's
 * monitoring shows it, instead of replying `ok: false` to nobody.
 */
export class TimerRunFailed extends Error {
  override readonly name = 'TimerRunFailed';

  constructor(readonly reply: FailureReply) {
    super(`${reply.error.code}: ${reply.error.message}`);
  }
}
