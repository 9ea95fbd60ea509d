/**
 * The public entry of the shared core: what a cloud function's `index.ts` may import. Each function
 * wires one handler to the platform (`initCloud()`), nothing more.
 */
export type { AnalyticsFunctions, MonthReply, RangeReply, SyncReply } from './contract';
export type { InvocationContext } from './budget';
export type { HandlerDependencies } from './pipeline/invocation';
export { createReportHandler } from './functions/report';
export { createSyncHandler } from './functions/sync';
export { initCloud, type CloudSdk } from './platform/cloudbase/sdk';
export { ALL_REPORTS, retainReport, visitTrendReport } from './reports';
export { createComponentEventsHandler, type ComponentEventsDependencies } from './open-platform/events/events-handler';
