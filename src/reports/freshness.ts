import { YearMonth, monthEndsAt } from '../dates';
import type { ReportDefinition } from './report';

/** Who asks: a caller viewing figures, or the sync (the timer or an admin's backfill). */
export type Asker = 'view' | 'sync';

/**
 * How long after figures are due WeChat is given to publish them: 7 days (in milliseconds). WeChat
 * publishes a month within a day or two of its end. A reply without figures given this long after they
 * were due is final (the Mini Program had no visits that month); before that it is asked again.
 */
export const PUBLICATION_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** The shortest time between two views asking WeChat again for a month that is not final: 10 minutes (ms). */
export const RECHECK_INTERVAL_MS = 10 * 60 * 1000;

/** What to do with a stored month. */
export interface Freshness {
  /** True when WeChat should be asked again now. */
  fetch: boolean;
  /** True when WeChat will not change the stored figures any more. */
  final: boolean;
}

/**
 * The rule for months that are not final, in one place:
 * - final figures (a visit trend; retention with key 1) are served from the archive for ever;
 * - retention without key 1 is served until the following month ends (nothing newer exists before);
 * - a reply without figures given 7 days or more after the month ended is final: the Mini Program had
 *   no visits, and such a month costs no call again (months before the Mini Program existed, say);
 * - a reply without figures given within those 7 days is asked again, by the sync every run and by
 *   views at most every 10 minutes, and once more after the 7 days, whose answer settles it;
 * - retention whose key 1 is due but missing: the sync asks every run; a view asks only within 7 days of
 *   the due date and at most every 10 minutes, so a month whose key 1 never arrives (WeChat's own 2017-02
 *   example) does not cost a call on every view for ever.
 *
 * @param stored - the stored month: its data and when WeChat gave it (epoch ms)
 * @param now - epoch ms
 */
export function freshness<Data>(
  report: ReportDefinition<Data>,
  stored: { data: Data; month: YearMonth; fetchedAt: number },
  now: number,
  asker: Asker,
): Freshness {
  const { data, month, fetchedAt } = stored;
  if (report.isFinal(data)) return { fetch: false, final: true };
  const dueAt = monthEndsAt(report.dueMonth(data, month));
  if (now < dueAt) return { fetch: false, final: false };
  if (!report.hasFigures(data)) {
    // An answer without figures settles once it was given after the window; one given inside it is asked
    // again (views: at most every 10 minutes) until an answer comes after the window: one more call at most.
    if (fetchedAt - dueAt >= PUBLICATION_WINDOW_MS) return { fetch: false, final: true };
    return { fetch: asker === 'sync' || now - dueAt >= PUBLICATION_WINDOW_MS || now - fetchedAt >= RECHECK_INTERVAL_MS, final: false };
  }
  if (asker === 'sync') return { fetch: true, final: false };
  return { fetch: now - dueAt < PUBLICATION_WINDOW_MS && now - fetchedAt >= RECHECK_INTERVAL_MS, final: false };
}

/**
 * True when WeChat may still publish what `stored` lacks within its publication window: a month whose
 * figures (or retention's key 1) were due less than 7 days before `now` and are not there yet. The
 * third-party sync asks such a month again within the day instead of waiting for the next day's walk.
 *
 * @param stored - the month as just stored: its data and when WeChat gave it (epoch ms)
 * @param now - epoch ms
 */
export function awaitsPublication<Data>(report: ReportDefinition<Data>, stored: { data: Data; month: YearMonth }, now: number): boolean {
  if (report.isFinal(stored.data)) return false;
  const dueAt = monthEndsAt(report.dueMonth(stored.data, stored.month));
  return now >= dueAt && now - dueAt < PUBLICATION_WINDOW_MS;
}
