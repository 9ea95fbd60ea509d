import { createReportHandler, initCloud, visitTrendReport } from '../../src';

/** Monthly visit trend of the Mini Program, for its admins. */
export const main = createReportHandler(visitTrendReport, { cloud: initCloud() });
