/**
 * Runs `task` over `items` with at most `limit` in flight, keeping the order of `items` in the result.
 * When a task throws, no new task starts, the ones in flight are awaited, and then the first error is
 * thrown: nothing of the call is still running once this settles.
 */
export async function mapWithConcurrency<Item, Result>(
  items: readonly Item[],
  limit: number,
  task: (item: Item, index: number) => Promise<Result>,
): Promise<Result[]> {
  // One item (a single-month call): the same outcome without a worker.
  if (items.length === 1) return [await task(items[0] as Item, 0)];
  const results = new Array<Result>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const index = next;
      next += 1;
      try {
        results[index] = await task(items[index] as Item, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(limit, 1), items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
