import type { OneShotFault } from './faults';
import { CLOUDBASE_ERROR_CODES, MALFORMED_REPLY_TEXT } from './open-api';

/**
 * The gateway action of `cloud.callFunction` (wx-server-sdk → @cloudbase/node-sdk `functions/index.ts`):
 * a JSON POST `{ action, function_name, qualifier?, request_data }` to the caller's context URL.
 */
export const INVOKE_FUNCTION_API = 'functions.invokeFunction';

/** CloudBase's code for an invocation that failed; also its answer for a function that does not exist. */
export const FUNCTIONS_EXECUTE_FAIL = 'FUNCTIONS_EXECUTE_FAIL';
/** SCF's message for a function name it does not know, as CloudBase passes it on. */
export const FUNCTION_NOT_FOUND_MESSAGE = '找不到对应的FunctionName.';
/** The one version a local function has. */
export const LATEST_QUALIFIER = '$LATEST';
/** SCF's rule for a function name: a letter first, then letters, digits, `_` and `-`, 60 characters at most. */
const FUNCTION_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,59}$/;

/** One `cloud.callFunction` the emulator received, as its `invokeFunction` hook sees it. */
export interface InvokeFunctionRequest {
  /** `function_name`: the function to run. */
  name: string;
  /** `request_data` parsed: the callee's event data (`{}` when the SDK sent '' for no data). */
  data: Record<string, unknown>;
  /**
   * The `X-TCB-Source` header: the caller's own SOURCE with the SDK's run-environment tag appended
   * (`wx_trigger,scf` for a timer-started function); the callee's `getWXContext().SOURCE`.
   */
  source: string;
  /** The function whose context URL received the call; `null` when the path names none. */
  callerFunction: string | null;
  /** The context URL the callee must be given (`TCB_CONTEXT_CNFG`): this emulator's, for that function. */
  contextUrl: string;
}

/**
 * What the hook answers: the callee's reply (`result`, sent back as `response_data`, its JSON text); a
 * CloudBase error as is (`FUNCTIONS_EXECUTE_FAIL` for a callee that threw or timed out); or `notFound`
 * when there is no such function, which the emulator answers as CloudBase does.
 */
export type InvokeFunctionOutcome = { result: unknown } | { error: { code: string; message: string } } | { notFound: true };

/** Runs a called function; see `EmulatorOptions.invokeFunction`. */
export type InvokeFunctionHook = (request: InvokeFunctionRequest) => Promise<InvokeFunctionOutcome>;

/** How the emulator answers an invokeFunction request. */
export type InvokeFunctionAnswer =
  | { kind: 'result'; errcode: 0; responseData: string }
  | { kind: 'cloudbase'; errcode: number; code: string; message: string }
  | { kind: 'malformed'; errcode: number }
  | { kind: 'drop'; errcode: number };

const CLOUDBASE_CODE_NUMBERS: ReadonlyMap<string, number> = new Map([...CLOUDBASE_ERROR_CODES].map(([errcode, code]) => [code, errcode]));

/** The number wx-server-sdk's TCB_ERR_CODE table gives a CloudBase code; SYS_ERR's for a code it lacks. */
export function cloudBaseErrcode(code: string): number {
  return CLOUDBASE_CODE_NUMBERS.get(code) ?? -501001;
}

/** A CloudBase error answer. */
export function cloudBaseAnswer(code: string, message: string): InvokeFunctionAnswer {
  return { kind: 'cloudbase', errcode: cloudBaseErrcode(code), code, message };
}

/** CloudBase's answer for a function the environment does not have. */
export function missingFunctionAnswer(name: string, qualifier?: string): InvokeFunctionAnswer {
  const version = qualifier === undefined || qualifier === LATEST_QUALIFIER ? '' : `, version ${qualifier}`;
  return cloudBaseAnswer(FUNCTIONS_EXECUTE_FAIL, `${FUNCTION_NOT_FOUND_MESSAGE} (${name}${version})`);
}

/** The answer of an injected fault: a CloudBase code as its error, a malformed reply, or a dropped connection. */
export function invokeFaultAnswer(fault: OneShotFault): InvokeFunctionAnswer {
  switch (fault.kind) {
    case 'drop':
      return { kind: 'drop', errcode: -501001 };
    case 'malformed':
      return { kind: 'malformed', errcode: -601001 };
    case 'fail': {
      const code = CLOUDBASE_ERROR_CODES.get(fault.errcode) ?? 'SYS_ERR';
      return cloudBaseAnswer(code, `injected CloudBase error ${code}`);
    }
  }
}

/** The reply text of a malformed answer: JSON no parser accepts. */
export const MALFORMED_INVOKE_REPLY = MALFORMED_REPLY_TEXT;

/**
 * The URL a function's `TCB_CONTEXT_CNFG` points at on the emulator at `emulatorUrl`: the path names the
 * function, so the emulator knows whose config.json to read and who called.
 */
export function functionContextUrl(emulatorUrl: string, functionName: string): string {
  return `${emulatorUrl.replace(/\/+$/, '')}/functions/${encodeURIComponent(functionName)}`;
}

/** A checked invokeFunction request, or the INVALID_PARAM answer CloudBase gives a request it cannot take. */
export type ParsedInvokeRequest =
  | { ok: true; name: string; qualifier?: string; data: Record<string, unknown> }
  | { ok: false; answer: InvokeFunctionAnswer; name?: string };

/**
 * Reads `function_name`, `qualifier` and `request_data` of an invokeFunction request. `request_data` is
 * the JSON text of the event data: '' (the SDK's "no data") or an object (SCF takes a JSON object as event).
 */
export function parseInvokeRequest(body: Record<string, unknown>): ParsedInvokeRequest {
  const name = body.function_name;
  const invalid = (message: string, named?: string): ParsedInvokeRequest => ({
    ok: false,
    answer: cloudBaseAnswer('INVALID_PARAM', message),
    ...(named === undefined ? {} : { name: named }),
  });
  if (typeof name !== 'string' || name === '') return invalid(`function_name must be a non-empty string, got ${JSON.stringify(name ?? null)}`);
  if (!FUNCTION_NAME_PATTERN.test(name)) return invalid(`function_name ${JSON.stringify(name)} is not a function name (a letter, then letters, digits, _ or -, 60 at most)`, name);
  const { qualifier } = body;
  if (qualifier !== undefined && qualifier !== null && typeof qualifier !== 'string') return invalid(`qualifier must be a string, got ${JSON.stringify(qualifier)}`, name);
  const requestData = body.request_data ?? '';
  if (typeof requestData !== 'string') return invalid(`request_data must be the JSON text of the event data, got ${typeof requestData}`, name);
  let data: unknown = {};
  if (requestData !== '') {
    try {
      data = JSON.parse(requestData);
    } catch (error) {
      return invalid(`request_data is not JSON: ${(error as Error).message}`, name);
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return invalid('request_data must be the JSON text of an object (the event)', name);
  return { ok: true, name, ...(typeof qualifier === 'string' && qualifier !== '' ? { qualifier } : {}), data: data as Record<string, unknown> };
}

/** The answer for what the hook returned. */
export function hookAnswer(outcome: InvokeFunctionOutcome, name: string): InvokeFunctionAnswer {
  if ('notFound' in outcome) return missingFunctionAnswer(name);
  if ('error' in outcome) return cloudBaseAnswer(outcome.error.code, outcome.error.message);
  return { kind: 'result', errcode: 0, responseData: JSON.stringify(outcome.result ?? null) ?? 'null' };
}
