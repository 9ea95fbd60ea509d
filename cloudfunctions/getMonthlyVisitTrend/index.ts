import { initCloud } from '../../src/cloud';
import { createReportHandler } from '../../src/handler';
import { visitTrendReport } from '../../src/reports/visit-trend';

/** Monthly visit trend of the Mini Program, for its admins. */
export const main = createReportHandler(visitTrendReport, { cloud: initCloud() });
