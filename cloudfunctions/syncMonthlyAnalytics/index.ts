import { initCloud } from '../../src/cloud';
import { createSyncHandler } from '../../src/handler';
import { retainReport } from '../../src/reports/retain';
import { visitTrendReport } from '../../src/reports/visit-trend';

/** Keeps the monthly archive up to date; run by its timer, or by an admin to backfill. */
export const main = createSyncHandler([retainReport, visitTrendReport], { cloud: initCloud() });
