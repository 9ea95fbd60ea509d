import type { ReportKind } from '../contract';
import type { ReportDefinition } from './report';
import { retainReport } from './retain';
import { visitTrendReport } from './visit-trend';

export type { ReportDefinition } from './report';
export { retainReport } from './retain';
export { visitTrendReport } from './visit-trend';

/**
 * Every kind of monthly figures the functions keep. A new kind is its own file (a
 * {@link ReportDefinition}) plus one line here and its data type in `contract.ts`.
 */
const REPORTS = {
  retain: retainReport,
  visitTrend: visitTrendReport,
} as const satisfies { readonly [Kind in ReportKind]: ReportDefinition<unknown> };

/** Every report, in the order the sync runs them. */
export const ALL_REPORTS: readonly ReportDefinition<unknown>[] = /* @__PURE__ */ Object.values(REPORTS);
