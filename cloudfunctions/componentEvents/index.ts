import { createComponentEventsHandler, initCloud } from '../../src';

/** The third-party platform's authorization-event URL: WeChat's ticket and authorization pushes, through the HTTP access service. */
export const main = createComponentEventsHandler({ cloud: initCloud() });
