import { AnalyticsError } from '../../src/errors';
import { REPLY_MARGIN_MS, SHARD_REPLY_MARGIN_MS, createTimeBudget } from '../../src/budget';

describe('time budget', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const budgetOf = (timeLimitMs: number) => {
    const startedAt = Date.now();
    return createTimeBudget({ time_limit_in_ms: timeLimitMs }, startedAt, () => Date.now());
  };

  test('the signal aborts at the deadline with DEADLINE_EXCEEDED', () => {
    const budget = budgetOf(3000);
    const { signal } = budget;
    jest.advanceTimersByTime(3000 - REPLY_MARGIN_MS - 1);
    expect(signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(AnalyticsError);
    expect((signal.reason as AnalyticsError).code).toBe('DEADLINE_EXCEEDED');
  });

  test('end() leaves no timer behind, and aborts nothing before the deadline', () => {
    const budget = budgetOf(3000);
    const { signal } = budget;
    expect(jest.getTimerCount()).toBe(1);
    budget.end();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(10_000);
    expect(signal.aborted).toBe(false);
  });

  test('end() past the deadline aborts the signal as its timer would have', () => {
    const budget = budgetOf(3000);
    const { signal } = budget;
    jest.setSystemTime(Date.now() + 3000);
    expect(signal.aborted).toBe(false);
    budget.end();
    expect(jest.getTimerCount()).toBe(0);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as AnalyticsError).code).toBe('DEADLINE_EXCEEDED');
  });

  test('end() without a signal read does nothing', () => {
    const budget = budgetOf(3000);
    budget.end();
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('canStart: whether a call of a given length may still start', () => {
  test('true only when it would end before the deadline, by the invocation\'s clock', () => {
    let clock = 1_000;
    const budget = createTimeBudget({ getRemainingTimeInMillis: () => 3_000 }, 1_000, () => clock);
    // Deadline: 1,000 + 3,000 - 400 (the reply margin) = 3,600.
    expect(budget.now()).toBe(1_000);
    expect(budget.canStart(2_599)).toBe(true);
    expect(budget.canStart(2_600)).toBe(false);
    clock = 3_500;
    expect(budget.canStart(99)).toBe(true);
    expect(budget.canStart(100)).toBe(false);
    budget.end();
  });
});

describe("a child's deadline and a lease's end", () => {
  test('a shard ends the shard reply margin before its starter; a lease lasts the reply margin past the deadline', () => {
    const budget = createTimeBudget({ getRemainingTimeInMillis: () => 3_000 }, 1_000, () => 1_000);
    expect(budget.deadline).toBe(3_600);
    expect(budget.childDeadline()).toBe(3_600 - SHARD_REPLY_MARGIN_MS);
    expect(budget.leaseUntil()).toBe(3_600 + REPLY_MARGIN_MS);
    budget.end();
  });
});
