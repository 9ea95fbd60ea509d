import { initCloud } from '../../src/cloud';
import { createReportHandler } from '../../src/handler';
import { retainReport } from '../../src/reports/retain';

/** Monthly retention of the Mini Program, for its admins. */
export const main = createReportHandler(retainReport, { cloud: initCloud() });
