import { createReportHandler, initCloud, retainReport } from '../../src';

/** Monthly retention of the Mini Program, for its admins. */
export const main = createReportHandler(retainReport, { cloud: initCloud() });
