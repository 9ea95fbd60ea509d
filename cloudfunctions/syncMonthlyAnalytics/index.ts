import { ALL_REPORTS, createSyncHandler, initCloud } from '../../src';

/** Keeps the monthly archive up to date; run by its timer, or by an admin to backfill. */
export const main = createSyncHandler(ALL_REPORTS, { cloud: initCloud() });
