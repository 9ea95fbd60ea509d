/** The median and spread of a series of measurements. */
export interface Summary {
  runs: number;
  median: number;
  min: number;
  max: number;
  p10: number;
  p90: number;
}

/**
 * The `fraction` quantile (0–1) of ascending `sorted` values, interpolating linearly between ranks.
 * Throws on an empty series.
 */
export function quantile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) throw new Error('quantile of an empty series');
  const rank = Math.min(Math.max(fraction, 0), 1) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (rank - lower);
}

/** Median, min, max, p10 and p90 of `samples` (in any order). Throws on an empty series. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    runs: sorted.length,
    median: quantile(sorted, 0.5),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    p10: quantile(sorted, 0.1),
    p90: quantile(sorted, 0.9),
  };
}

/** Element-wise `a[i] - b[i]` of two series of the same length (paired runs). */
export function pairedDifferences(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new Error(`paired series differ in length: ${a.length} and ${b.length}`);
  return a.map((value, index) => value - (b[index] as number));
}
