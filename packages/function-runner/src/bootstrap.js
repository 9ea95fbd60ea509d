// @ts-check
'use strict';
/*
 * The function process: plays the SCF Node.js runtime for one cloud function.
 * Written in the syntax of Node.js 8.9 (no optional chaining, `??` or `catch {`), the oldest runtime a
 * CloudBase function can be on, so that a function can be run on every runtime it may meet.
 * Started by function-process.ts with child_process.fork (IPC, cwd = the function folder);
 * it receives `invoke` messages one at a time and answers with `log` and `done` messages.
 */

/** @typedef {import('./protocol').InvocationPlan} InvocationPlan */
/** @typedef {import('./protocol').ChildMessage} ChildMessage */
/** @typedef {import('./protocol').InvocationOutcome} InvocationOutcome */
/** @typedef {import('./types').InvocationFailure} InvocationFailure */

const path = require('path');
const { performance } = require('perf_hooks');

const RealDate = Date;
const realWrites = {
  stdout: process.stdout.write.bind(process.stdout),
  stderr: process.stderr.write.bind(process.stderr),
};

/** @type {{ main: Function } | undefined} */
let loadedModule;
/** @type {{ plan: InvocationPlan, startedAt: number, loadMs?: number, finished: boolean } | undefined} */
let current;
let clockOffsetMs = 0;

/** The process's peak resident set so far, in bytes (process.resourceUsage() came with Node 12.6). */
function peakRssBytes() {
  return process.resourceUsage ? process.resourceUsage().maxRSS * 1024 : process.memoryUsage().rss;
}

/** @param {ChildMessage} message @param {() => void} [afterSend] */
function send(message, afterSend) {
  const after = () => (afterSend ? afterSend() : undefined);
  if (!process.connected || !process.send) return after();
  process.send(message, undefined, undefined, after);
}

/**
 * Date that runs `clockOffsetMs` ahead of the real clock. It stays installed only during an invocation
 * with `now`; a reference kept by function code behaves like the real Date once the offset is back to 0.
 */
const FakeDate = /** @type {DateConstructor} */ (
  /** @type {unknown} */ (
    /** @this {unknown} @param {any[]} args */
    function Date(...args) {
      if (!new.target) return new RealDate(RealDate.now() + clockOffsetMs).toString();
      if (args.length === 0) return Reflect.construct(RealDate, [RealDate.now() + clockOffsetMs], new.target);
      return Reflect.construct(RealDate, args, new.target);
    }
  )
);
Object.setPrototypeOf(FakeDate, RealDate);
Object.defineProperty(FakeDate, 'prototype', { value: RealDate.prototype });
FakeDate.now = () => RealDate.now() + clockOffsetMs;

/** @param {number} nowMs */
function installClock(nowMs) {
  clockOffsetMs = nowMs - RealDate.now();
  global.Date = FakeDate;
}

function restoreClock() {
  clockOffsetMs = 0;
  global.Date = RealDate;
}

/** @param {'stdout' | 'stderr'} streamName */
function captureStream(streamName) {
  const stream = process[streamName];
  const realWrite = realWrites[streamName];
  stream.write = /** @type {typeof stream.write} */ (
    /** @param {any} chunk @param {any[]} rest */
    (chunk, ...rest) => {
      if (!current || current.finished) return realWrite(chunk, ...rest);
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      send({ type: 'log', invocationId: current.plan.invocationId, text });
      const callback = rest.find((argument) => typeof argument === 'function');
      if (callback) process.nextTick(callback);
      return true;
    }
  );
}

/** @param {unknown} error @returns {InvocationFailure} */
function describeFailure(error) {
  if (error instanceof Error) {
    /** @type {InvocationFailure} */
    const failure = { errorMessage: error.message, errorType: error.name || error.constructor.name || 'Error' };
    if (error.stack) failure.stackTrace = error.stack;
    return failure;
  }
  let errorMessage;
  try {
    const json = typeof error === 'string' ? error : JSON.stringify(error);
    errorMessage = json === undefined ? String(error) : json;
  } catch (_) {
    errorMessage = String(error);
  }
  return { errorMessage, errorType: typeof error };
}

/** @param {unknown} reply @returns {InvocationOutcome} */
function serializeReply(reply) {
  try {
    const replyJson = JSON.stringify(reply === undefined ? null : reply);
    return { kind: 'reply', replyJson: replyJson === undefined ? 'null' : replyJson };
  } catch (error) {
    return { kind: 'failed', failure: describeFailure(error) };
  }
}

/** @param {InvocationOutcome} outcome @param {boolean} exiting */
function finish(outcome, exiting) {
  const invocation = current;
  if (!invocation || invocation.finished) return;
  invocation.finished = true;
  for (const name of Object.keys(invocation.plan.invocationEnv)) delete process.env[name];
  restoreClock();
  /** @type {ChildMessage} */
  const done = {
    type: 'done',
    invocationId: invocation.plan.invocationId,
    outcome,
    durationMs: performance.now() - invocation.startedAt,
    maxRssBytes: peakRssBytes(),
    exiting,
  };
  if (invocation.loadMs !== undefined) done.loadMs = invocation.loadMs;
  current = undefined;
  send(done, exiting ? () => process.exit(1) : undefined);
}

/** @param {InvocationPlan} plan @param {number} startedAt */
function buildContext(plan, startedAt) {
  return {
    ...plan.context,
    getRemainingTimeInMillis: () => Math.max(0, Math.round(plan.timeoutMs - (performance.now() - startedAt))),
  };
}

/** @param {Function} main @param {unknown} event @param {object} context @returns {Promise<unknown>} */
function callMain(main, event, context) {
  return new Promise((resolve, reject) => {
    /** @param {unknown} error @param {unknown} value */
    const callback = (error, value) => (error ? reject(error) : resolve(value));
    const returned = main(event, context, callback);
    if (returned && typeof (/** @type {any} */ (returned).then) === 'function') {
      /** @type {PromiseLike<unknown>} */ (returned).then(resolve, reject);
    } else if (main.length < 3) {
      resolve(returned);
    }
  });
}

/** @param {InvocationPlan} plan */
async function runInvocation(plan) {
  const startedAt = performance.now();
  current = { plan, startedAt, finished: false };
  Object.assign(process.env, plan.invocationEnv);
  if (plan.nowMs !== undefined) installClock(plan.nowMs);

  if (!loadedModule) {
    try {
      const loaded = require(path.join(process.cwd(), 'index.js'));
      current.loadMs = performance.now() - startedAt;
      if (!loaded || typeof loaded.main !== 'function') throw new TypeError('index.js does not export a main function');
      loadedModule = loaded;
    } catch (error) {
      finish({ kind: 'failed', failure: describeFailure(error) }, true);
      return;
    }
  }
  const main = /** @type {{ main: Function }} */ (loadedModule).main;
  try {
    const reply = await callMain(main, plan.event, buildContext(plan, startedAt));
    finish(serializeReply(reply), false);
  } catch (error) {
    finish({ kind: 'failed', failure: describeFailure(error) }, false);
  }
}

/** @param {unknown} error */
function onUncaught(error) {
  if (current && !current.finished) {
    finish({ kind: 'failed', failure: describeFailure(error) }, true);
  } else {
    realWrites.stderr(`Uncaught exception outside an invocation: ${describeFailure(error).stackTrace || String(error)}\n`);
    process.exit(1);
  }
}

captureStream('stdout');
captureStream('stderr');
process.on('uncaughtException', onUncaught);
process.on('unhandledRejection', onUncaught);
process.on('disconnect', () => process.exit(0));
process.on('message', (/** @type {import('./protocol').InvokeMessage} */ message) => {
  if (!message || message.type !== 'invoke') return;
  if (current) {
    send({
      type: 'done',
      invocationId: message.plan.invocationId,
      outcome: { kind: 'failed', failure: { errorMessage: 'another invocation is still running', errorType: 'RuntimeBusy' } },
      durationMs: 0,
      maxRssBytes: peakRssBytes(),
      exiting: false,
    });
    return;
  }
  void runInvocation(message.plan);
});
send({ type: 'ready' });
