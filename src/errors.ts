import type { ErrorBody, ErrorCode, TransportFailure } from './contract';

export type { ErrorBody, ErrorCode, TransportFailure };

/**
 * When a failure may clear:
 * - `now`: a retry within the same invocation may succeed (busy, gateway hiccups);
 * - `later`: another call or timer run may succeed (data not ready, quota, out of time);
 * - `never`: someone must change something first (a permission, the configuration, the input).
 */
export type Recovery = 'now' | 'later' | 'never';

/**
 * What a failure of one month says about the others in the same invocation:
 * - `month`: only that month failed;
 * - `api`: every month of that API would fail the same way, so no new call to it is started.
 */
export type Scope = 'month' | 'api';

/** An expected failure with a stable code and a message that says what to do. */
export class AnalyticsError extends Error {
  override readonly name = 'AnalyticsError';

  /**
   * @param code - the stable code the caller branches on
   * @param message - what happened and what to do; shown to the caller
   * @param options - WeChat's code, how the failure may clear (default `never`), its scope (default
   *   `month`), and the underlying error as `cause`
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { wxErrCode?: number; transport?: TransportFailure; recovery?: Recovery; scope?: Scope; cause?: unknown } = {},
  ) {
    super(message);
    this.wxErrCode = options.wxErrCode;
    this.transport = options.transport;
    this.recovery = options.recovery ?? 'never';
    this.scope = options.scope ?? 'month';
    if (options.cause !== undefined) Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
  }

  readonly wxErrCode: number | undefined;
  /** How an HTTPS call failed when WeChat gave no code. */
  readonly transport: TransportFailure | undefined;
  readonly recovery: Recovery;
  readonly scope: Scope;

  /** The reply body for this error. */
  toBody(): ErrorBody {
    return {
      code: this.code,
      message: this.message,
      ...(this.wxErrCode === undefined ? {} : { wxErrCode: this.wxErrCode }),
      ...(this.transport === undefined ? {} : { transport: this.transport }),
    };
  }
}

/**
 * A setting of the function is wrong or missing: `CONFIGURATION_ERROR` (recovery `never`, scope `api`),
 * with the environment variable to fix as a field, so that a reply can name it and nothing else.
 */
export class ConfigurationError extends AnalyticsError {
  /**
   * @param variable - the environment variable to fix, e.g. `WECHAT_APPSECRET`
   * @param message - what is wrong and what to do; never the variable's value
   * @param options - WeChat's code when WeChat refused the setting
   */
  constructor(
    readonly variable: string,
    message: string,
    options: { wxErrCode?: number; cause?: unknown } = {},
  ) {
    super('CONFIGURATION_ERROR', message, { ...options, recovery: 'never', scope: 'api' });
  }
}

/** Shorthand for a rejected input. */
export function invalidArgument(message: string): AnalyticsError {
  return new AnalyticsError('INVALID_ARGUMENT', message);
}

/** The longest piece of a caller's input echoed in a message. */
const ECHO_LIMIT = 40;

/** A string in single quotes, with quotes, backslashes and control characters escaped. */
function quote(text: string): string {
  const escaped = text
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped here
    .replace(/[\u0000-\u001f]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `'${escaped}'`;
}

/**
 * A caller's value as it may appear in a message: a string in quotes, anything else as JSON, cut to
 * 40 characters, so that a huge input never becomes a huge reply or log line.
 */
export function echo(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? quote(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  // Cut by code points, so that a character outside the BMP (an emoji, a rare CJK character) is never split in two.
  const characters = Array.from(text);
  return characters.length > ECHO_LIMIT ? `${characters.slice(0, ECHO_LIMIT).join('')}… (${characters.length} characters)` : text;
}
