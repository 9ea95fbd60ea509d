import { fork, type ChildProcess } from 'child_process';
import path from 'path';
import { performance } from 'perf_hooks';
import type { ChildMessage, InvocationPlan, InvokeMessage } from './protocol';
import { processEnvironment, type ResolvedDeployment } from './invocation';
import type { InvokeResult } from './types';

const BOOTSTRAP_PATH = path.join(__dirname, 'bootstrap.js');
const STARTUP_LIMIT_MS = 15_000;
const KILL_GRACE_MS = 2_000;

interface PendingInvocation {
  plan: InvocationPlan;
  logText: string;
  sentAt: number;
  timer: NodeJS.Timeout;
  timedOut: boolean;
  resolve(result: InvokeResult): void;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** One Node process playing the SCF runtime for one function; runs one invocation at a time. */
export class FunctionProcess {
  private pending: PendingInvocation | undefined;
  private strayOutput = '';
  private hasLoadedModule = false;
  private exited = false;
  private readonly closed: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.closed = new Promise((resolve) => child.once('close', () => resolve()));
    child.on('message', (message: ChildMessage) => this.onMessage(message));
    child.once('exit', () => {
      this.exited = true;
    });
    child.once('close', (code, signal) => this.onClose(code, signal));
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => this.onStrayOutput(text));
    }
    this.holdParentAlive(false);
  }

  /** Starts a function process and waits until its runtime is ready (index.js is not loaded yet). */
  static async start(deployment: ResolvedDeployment): Promise<FunctionProcess> {
    const child = fork(BOOTSTRAP_PATH, [], {
      cwd: deployment.functionDir,
      env: processEnvironment(deployment),
      execPath: deployment.nodePath,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    let startupOutput = '';
    const collectStartupOutput = (text: Buffer | string) => {
      startupOutput += text.toString();
    };
    child.stderr?.on('data', collectStartupOutput);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`function process did not start within ${STARTUP_LIMIT_MS} ms`)), STARTUP_LIMIT_MS);
        const settle = (error?: Error) => {
          clearTimeout(timer);
          child.off('message', onMessage);
          child.off('exit', onExit);
          child.off('error', onError);
          if (error) reject(error);
          else resolve();
        };
        const onMessage = (message: ChildMessage) => {
          if (message.type === 'ready') settle();
        };
        const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
          settle(new Error(`function process exited during startup (code ${code}, signal ${signal}): ${startupOutput.trim()}`));
        const onError = (error: Error) => settle(error);
        child.on('message', onMessage);
        child.once('exit', onExit);
        child.once('error', onError);
      });
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    } finally {
      child.stderr?.off('data', collectStartupOutput);
    }
    return new FunctionProcess(child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Runs one invocation; the process is killed if it outlives plan.timeoutMs. */
  invoke(plan: InvocationPlan): Promise<InvokeResult> {
    if (this.pending) return Promise.reject(new Error('FunctionProcess runs one invocation at a time'));
    if (this.exited) return Promise.reject(new Error('the function process has exited'));
    return new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => this.onTimeout(), plan.timeoutMs);
      this.pending = { plan, logText: this.strayOutput, sentAt: performance.now(), timer, timedOut: false, resolve };
      this.strayOutput = '';
      this.holdParentAlive(true);
      const message: InvokeMessage = { type: 'invoke', plan };
      this.child.send(message, (error) => {
        if (error) this.failPending('RuntimeUnavailable', `could not send the invocation: ${error.message}`);
      });
    });
  }

  /** Ends the process (SIGTERM, then SIGKILL if needed) and waits until it is reaped. */
  async kill(): Promise<void> {
    if (!this.exited) {
      this.holdParentAlive(true);
      this.child.kill('SIGTERM');
      const escalation = setTimeout(() => this.child.kill('SIGKILL'), KILL_GRACE_MS);
      await this.closed;
      clearTimeout(escalation);
    }
    await this.closed;
  }

  /** While idle the process must not keep its parent alive; while busy it must, or a pending result is lost. */
  private holdParentAlive(hold: boolean): void {
    const handles: ({ ref?: () => void; unref?: () => void } | null | undefined)[] = [
      this.child,
      this.child.channel,
      this.child.stdout as unknown as { ref?: () => void; unref?: () => void } | null,
      this.child.stderr as unknown as { ref?: () => void; unref?: () => void } | null,
    ];
    for (const handle of handles) {
      if (hold) handle?.ref?.();
      else handle?.unref?.();
    }
  }

  private onStrayOutput(text: string): void {
    if (this.pending) this.pending.logText += text;
    else this.strayOutput += text;
  }

  private onMessage(message: ChildMessage): void {
    const pending = this.pending;
    if (!pending || message.type === 'ready' || message.invocationId !== pending.plan.invocationId) return;
    if (message.type === 'log') {
      pending.logText += message.text;
      return;
    }
    const result = this.baseResult(pending, message.durationMs);
    if (message.outcome.kind === 'reply') result.reply = JSON.parse(message.outcome.replyJson);
    else result.failed = message.outcome.failure;
    result.maxRssBytes = message.maxRssBytes;
    if (message.loadMs !== undefined) result.loadMs = message.loadMs;
    this.hasLoadedModule = true;
    this.settle(result);
  }

  private onTimeout(): void {
    const pending = this.pending;
    if (!pending) return;
    pending.timedOut = true;
    this.child.kill('SIGKILL');
    void this.closed.then(() => {
      if (this.pending !== pending) return;
      const result = this.baseResult(pending, performance.now() - pending.sentAt);
      result.timedOut = true;
      this.settle(result);
    });
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    const pending = this.pending;
    if (!pending || pending.timedOut) return;
    this.failPending('ProcessExited', `the function process exited (code ${code}, signal ${signal}) before main settled`);
  }

  private failPending(errorType: string, errorMessage: string): void {
    const pending = this.pending;
    if (!pending) return;
    const result = this.baseResult(pending, performance.now() - pending.sentAt);
    result.failed = { errorType, errorMessage };
    this.settle(result);
  }

  private baseResult(pending: PendingInvocation, durationMs: number): InvokeResult {
    return {
      reply: undefined,
      timedOut: false,
      durationMs,
      logs: splitLines(pending.logText),
      requestId: pending.plan.invocationId,
      pid: this.pid,
      coldStart: !this.hasLoadedModule,
      wallMs: performance.now() - pending.sentAt,
    };
  }

  private settle(result: InvokeResult): void {
    const pending = this.pending;
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending = undefined;
    if (!this.exited) this.holdParentAlive(false);
    pending.resolve(result);
  }
}
