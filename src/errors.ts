import type { ErrorBody, ErrorCode } from './contract';

export type { ErrorBody, ErrorCode };

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
