/**
 * The admin analytics page: the visit trend and retention of a range of months (the last 12 complete
 * months by default), where each month came from, and a backfill of the archive. Written with
 * `Component()` (a page is a component whose methods hold the page's lifecycle), as miniprogram-simulate needs.
 */
import {
  AnalyticsError,
  MonthOutcome,
  MonthlyRetention,
  MonthlyVisitTrend,
  backfill,
  getMonthlyRetain,
  getMonthlyVisitTrend,
} from '../../services/analytics';
import { ErrorView, errorView } from './errors';
import { FIRST_MONTH, MAX_RANGE_MONTHS, addMonths, defaultRange, lastCompleteMonth, monthsBetween, pickRange } from './months';
import { PageView, pageView } from './view';

interface SyncView {
  running: boolean;
  /** 0–100. */
  percent: number;
  text: string;
  error: ErrorView | null;
}

const EMPTY_SYNC: SyncView = { running: false, percent: 0, text: '', error: null };

Component({
  data: {
    /** 'loading' (nothing shown yet) | 'ready' | 'error' (nothing to show). */
    state: 'loading' as 'loading' | 'ready' | 'error',
    /** A refresh is under way while figures are shown. */
    refreshing: false,
    from: '',
    to: '',
    firstMonth: FIRST_MONTH,
    newestMonth: '',
    rangeNote: '',
    error: null as ErrorView | null,
    /** One of the two reports failed as a whole while the other came. */
    partialError: null as ErrorView | null,
    view: null as PageView | null,
    sync: EMPTY_SYNC,
  },

  methods: {
    onLoad(query?: Record<string, string | undefined>) {
      const range = defaultRange(new Date());
      const newest = lastCompleteMonth(new Date());
      const from = query?.from && /^\d{4}-\d{2}$/.test(query.from) ? query.from : range.from;
      const to = query?.to && /^\d{4}-\d{2}$/.test(query.to) ? query.to : range.to;
      this.setData({ newestMonth: newest, ...pickRange({ from, to }, 'to', to, newest) });
      return this.load();
    },

    async onPullDownRefresh() {
      try {
        await this.load();
      } finally {
        wx.stopPullDownRefresh();
      }
    },

    /** Fetches both reports of the range; shows what came, and why the rest did not. */
    async load() {
      const { from, to } = this.data;
      this.setData({ refreshing: this.data.state === 'ready', state: this.data.state === 'ready' ? 'ready' : 'loading' });
      // One month more before the range, when the range leaves room, for the first month's changes.
      const withBefore = monthsBetween(from, to) < MAX_RANGE_MONTHS && from > FIRST_MONTH;
      const trendFrom = withBefore ? addMonths(from, -1) : from;
      const [trend, retain] = await Promise.all([
        settle(getMonthlyVisitTrend({ from: trendFrom, to })),
        settle(getMonthlyRetain({ from, to })),
      ]);
      if (from !== this.data.from || to !== this.data.to) return; // the range changed meanwhile: that load wins
      if (!trend.ok && !retain.ok) {
        this.setData({ state: 'error', refreshing: false, error: errorView(trend.error), partialError: null, view: null });
        return;
      }
      let trendMonths: MonthOutcome<MonthlyVisitTrend | null>[] = trend.ok ? trend.value : [];
      let before: MonthlyVisitTrend | null | undefined;
      if (withBefore && trendMonths.length > 0 && trendMonths[0]?.month === trendFrom) {
        const first = trendMonths[0];
        before = first.ok ? first.data : undefined;
        trendMonths = trendMonths.slice(1);
      }
      const retainMonths: MonthOutcome<MonthlyRetention>[] = retain.ok ? retain.value : [];
      const partialError = !trend.ok ? errorView(trend.error) : !retain.ok ? errorView(retain.error) : null;
      this.setData({ state: 'ready', refreshing: false, error: null, partialError, view: pageView(trendMonths, retainMonths, before) });
    },

    onFromChange(event: WechatMiniprogram.PickerChange) {
      this.changeRange('from', String(event.detail.value));
    },

    onToChange(event: WechatMiniprogram.PickerChange) {
      this.changeRange('to', String(event.detail.value));
    },

    changeRange(end: 'from' | 'to', month: string) {
      const range = pickRange({ from: this.data.from, to: this.data.to }, end, month, this.data.newestMonth);
      const moved = end === 'from' ? range.to !== this.data.to : range.from !== this.data.from;
      this.setData({ ...range, rangeNote: moved ? `At most ${MAX_RANGE_MONTHS} months at once: the range was adjusted.` : '' });
      return this.load();
    },

    copyOpenid() {
      const openid = this.data.error?.openid;
      if (openid) wx.setClipboardData({ data: openid });
    },

    /** Fills the archive for the range: calls syncMonthlyAnalytics until nothing is deferred, then reloads. */
    async onBackfill() {
      if (this.data.sync.running) return;
      this.setData({ sync: { running: true, percent: 0, text: 'Starting…', error: null } });
      try {
        const result = await backfill(
          { from: this.data.from, to: this.data.to },
          {
            onProgress: (progress) => {
              this.setData({
                sync: {
                  running: true,
                  percent: progress.total > 0 ? Math.round((progress.done / progress.total) * 100) : 100,
                  text: `Run ${progress.runs}: ${progress.done} of ${progress.total} reports stored, ${progress.fetched} fetched from WeChat${progress.last.failed ? `, ${progress.last.failed} failed` : ''}`,
                  error: null,
                },
              });
            },
          },
        );
        const { last } = result;
        const firstFailure = last.failures[0];
        const text =
          last.deferred > 0
            ? `Stopped with ${last.deferred} reports left: another sync may be running. Try again later.`
            : `Done: ${result.done} of ${result.total} reports stored, ${result.fetched} fetched from WeChat${last.failed ? `, ${last.failed} failed` : ''}.`;
        this.setData({
          sync: {
            running: false,
            percent: result.total > 0 ? Math.round((result.done / result.total) * 100) : 100,
            text,
            error: firstFailure ? errorView(new AnalyticsError(firstFailure.error.code, firstFailure.error.message, { functionName: 'syncMonthlyAnalytics' })) : null,
          },
        });
        await this.load();
      } catch (error) {
        this.setData({ sync: { running: false, percent: this.data.sync.percent, text: 'Backfill stopped.', error: errorView(error) } });
      }
    },
  },
});

type Settled<T> = { ok: true; value: T } | { ok: false; error: AnalyticsError };

async function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    if (error instanceof AnalyticsError) return { ok: false, error };
    return { ok: false, error: new AnalyticsError('FUNCTION_FAILED', error instanceof Error ? error.message : String(error), { functionName: 'getMonthlyVisitTrend' }) };
  }
}
