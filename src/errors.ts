/** Stable codes a caller can branch on. */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'MONTH_NOT_COMPLETE'
  | 'FORBIDDEN'
  | 'PERMISSION_NOT_DECLARED'
  | 'DATA_NOT_READY'
  | 'QUOTA_EXCEEDED'
  | 'UPSTREAM_ERROR'
  | 'DEADLINE_EXCEEDED'
  | 'CONFIGURATION_ERROR'
  | 'INTERNAL_ERROR';

/** The error half of every reply: what the caller sees. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  wxErrCode?: number;
}

/** An expected failure with a stable code and a message that says what to do. */
export class AnalyticsError extends Error {
  override readonly name = 'AnalyticsError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly wxErrCode?: number,
  ) {
    super(message);
  }

  /** The reply body for this error. */
  toBody(): ErrorBody {
    return this.wxErrCode === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, wxErrCode: this.wxErrCode };
  }
}

/** Shorthand for a rejected input. */
export function invalidArgument(message: string): AnalyticsError {
  return new AnalyticsError('INVALID_ARGUMENT', message);
}
