/**
 * What a caller asked for, checked before any call: a month or a range of months (`month.ts`), the
 * months of a sync or backfill (`sync.ts`).
 */
export { MAX_RANGE_MONTHS, PLATFORM_FIELDS, parseRequest, readFields, type AnalyticsRequest } from './month';
export { MAX_SYNC_MONTHS, defaultSyncMonths, parseSyncRequest } from './sync';
