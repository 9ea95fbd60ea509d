import type { InvocationFailure } from './types';

/** The SCF context fields that can cross the IPC channel (getRemainingTimeInMillis is added in the function process). */
export interface ScfContextFields {
  callbackWaitsForEmptyEventLoop: boolean;
  memory_limit_in_mb: number;
  time_limit_in_ms: number;
  request_id: string;
  environment: string;
  environ: string;
  function_version: string;
  function_name: string;
  namespace: string;
  tencentcloud_region: string;
  tencentcloud_appid: string;
  tencentcloud_uin: string;
}

export interface InvocationPlan {
  invocationId: string;
  event: unknown;
  context: ScfContextFields;
  /** Set for this invocation only, removed afterwards. */
  invocationEnv: Record<string, string>;
  /** Epoch ms the fake clock shows when the invocation starts; real clock when absent. */
  nowMs?: number;
  timeoutMs: number;
}

export interface InvokeMessage {
  type: 'invoke';
  plan: InvocationPlan;
}

export type InvocationOutcome = { kind: 'reply'; replyJson: string } | { kind: 'failed'; failure: InvocationFailure };

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'log'; invocationId: string; text: string }
  | {
      type: 'done';
      invocationId: string;
      outcome: InvocationOutcome;
      durationMs: number;
      loadMs?: number;
      maxRssBytes: number;
      /** The function process exits right after this message (load failure, uncaught exception). */
      exiting: boolean;
    };
