/**
 * @jest-environment jsdom
 * @jest-environment-options {"customExportConditions": ["node", "require", "default"]}
 */
/**
 * The analytics page as a user sees it: rendered by miniprogram-simulate from the replies of the real
 * functions (built, run by the runner against the emulator, reached through the wx.cloud stand-in).
 * The export conditions above make packages with a Node build (the emulator's mingo) load it under jsdom.
 */
import './helpers/node-globals';
import { addMonths, lastCompleteMonth } from '../../miniprogram/pages/analytics/months';
import { RenderedPage, methods, renderPage, text, texts } from './helpers/page';
import { ADMIN, MiniProgramCloud, STRANGER, WxStandIn, startMiniProgramCloud } from './helpers/wx-cloud';

const NOW = new Date();
const NEWEST = lastCompleteMonth(NOW);
const TREND = 'analysis.getMonthlyVisitTrend';
const RETAIN = 'analysis.getMonthlyRetain';
const tick = (ms = 10) => new Promise((resolve) => setTimeout(resolve, ms));

let mp: MiniProgramCloud;
let wx: WxStandIn;
let page: RenderedPage;

beforeAll(async () => {
  mp = await startMiniProgramCloud({ now: NOW });
});
afterAll(() => mp.close());
beforeEach(() => {
  mp.cloud.reset(NOW);
  wx = mp.useWx(ADMIN);
  page = renderPage();
});
afterEach(() => page.detach());

test('while the figures load, the page says so', async () => {
  const loaded = methods(page).onLoad({});
  expect(page.querySelector('.loading')).toBeDefined();
  expect(text(page, '.loading-text')).toBe(`Loading the figures of ${addMonths(NEWEST, -11)} to ${NEWEST}…`);
  await loaded;
  expect(page.querySelector('.loading')).toBeUndefined();
});

test('by default, the last 12 complete months: a chart, each month\'s figures with changes, retention and origin', async () => {
  await methods(page).onLoad({});
  expect([text(page, '.range-value.from'), text(page, '.range-value.to')]).toEqual([addMonths(NEWEST, -11), NEWEST]);
  expect(wx.callFunction.mock.calls.map(([call]) => call)).toEqual(
    expect.arrayContaining([
      { name: 'getMonthlyVisitTrend', data: { from: addMonths(NEWEST, -12), to: NEWEST } },
      { name: 'getMonthlyRetain', data: { from: addMonths(NEWEST, -11), to: NEWEST } },
    ]),
  );
  const bars = page.querySelectorAll('.month-bars');
  expect(bars).toHaveLength(12);
  expect(bars.every((bar) => bar.dom?.className.includes('status-ok'))).toBe(true);
  const heights = page.querySelectorAll('.bar.visitors').map((bar) => parseFloat(bar.dom?.getAttribute('style')?.replace(/[^\d.]/g, '') ?? '0'));
  expect(heights.every((height) => height > 0 && height <= 100)).toBe(true);
  expect(text(page, '.scale-top')).toMatch(/^\d+(\.\d)?[kM]?$/);

  const months = page.querySelectorAll('.card.month');
  expect(months).toHaveLength(12);
  const first = `.month-${addMonths(NEWEST, -11)}`;
  const newest = `.month-${NEWEST}`;
  expect(texts(page, `${newest} .figure-label`)).toEqual([
    'Visitors', 'New visitors', 'Sessions', 'Page views', 'Stay per visitor', 'Stay per session', 'Depth per session',
  ]);
  expect(text(page, `${newest} .figure-visitUv .figure-value`)).toMatch(/^\d{1,3}(,\d{3})*$/);
  expect(text(page, `${newest} .figure-stayTimeSession .figure-value`)).toMatch(/^(\d+\.\d s|\d+ min \d\d s)$/);
  expect(text(page, `${newest} .figure-visitDepth .figure-value`)).toMatch(/^\d+\.\d\d pages$/);
  // Every month, the first included (the month before the range was fetched for it), has its changes.
  for (const selector of [first, newest]) expect(text(page, `${selector} .figure-visitUv .change`)).toMatch(/^(\+|−)\d+\.\d%$|^0\.0%$/);
  // The newest month's retention waits for key 1; the one before is complete.
  expect(text(page, `${newest} .badge`)).toBe('Retention incomplete');
  expect(text(page, `${newest} .key1`)).toBe('not yet not yet');
  expect(text(page, `.month-${addMonths(NEWEST, -1)} .badge`)).toBe('Complete');
  expect(texts(page, `.month-${addMonths(NEWEST, -1)} .rate`).every((rate) => /^\d+\.\d%$/.test(rate))).toBe(true);
  expect(text(page, `${newest} .origin`)).toMatch(/^WeChat, this call · fetched \d{4}-\d\d-\d\d \d\d:\d\d/);
  expect(text(page, `${newest} .origin`)).toContain('may still change');
});

test('a month served from the archive says so', async () => {
  await methods(page).onLoad({});
  await methods(page).onPullDownRefresh();
  expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(1);
  expect(text(page, `.month-${addMonths(NEWEST, -1)} .origin`)).toMatch(/^Archive · fetched .* Archive · fetched /);
});

test('a partial range: the month that failed says why, the others show', async () => {
  // 24 months: the most a call takes, so no month before the range is fetched and the fault hits one of these.
  mp.cloud.emulator.faults.failNext(TREND, 61503);
  await methods(page).onLoad({ from: addMonths(NEWEST, -23), to: NEWEST });
  expect(page.querySelectorAll('.status-failed')).toHaveLength(1);
  expect(page.querySelectorAll('.status-ok')).toHaveLength(23);
  expect(text(page, '.failed-note')).toBe('1 month(s) could not be fetched: see below.');
  expect(text(page, '.month-error.error-DATA_NOT_READY .error-title')).toBe('WeChat has not published these figures yet');
  expect(text(page, '.month-error .error-action')).toContain('Try again in a few hours');
});

test('months WeChat has no figures for are shown as such', async () => {
  // The emulated Mini Program was launched in February 2017: January has no figures.
  await methods(page).onLoad({ from: '2017-01', to: '2017-03' });
  expect(page.querySelectorAll('.status-empty')).toHaveLength(1);
  expect(texts(page, '.month-2017-01 .empty')[0]).toBe('WeChat has no visit figures for this month.');
  expect(page.querySelectorAll('.month-2017-02 .figure')).toHaveLength(7);
  expect(page.querySelectorAll('.month-2017-03 .figure')).toHaveLength(7);
});

test('a range with no figures at all says so instead of an empty chart', async () => {
  await methods(page).onLoad({ from: '2017-01', to: '2017-01' });
  expect(text(page, '.chart-empty')).toBe('No visit figures for these months.');
});

test('FORBIDDEN: ask an admin to add your OPENID, with the OPENID the function saw, ready to copy', async () => {
  wx = mp.useWx(STRANGER);
  await methods(page).onLoad({});
  const openid = (STRANGER as { openid: string }).openid;
  expect(text(page, '.error-FORBIDDEN .error-title')).toBe('You are not an analytics admin');
  expect(text(page, '.error-action')).toContain('Ask an admin to add your OPENID to ANALYTICS_ADMIN_OPENIDS');
  expect(text(page, '.openid-value')).toBe(openid);
  page.querySelector('.copy')?.dispatchEvent('tap');
  await tick();
  expect(wx.setClipboardData).toHaveBeenCalledWith({ data: openid });
  expect(page.querySelector('.backfill')).toBeUndefined();
});

test.each([
  ['DATA_NOT_READY', 61503, 'WeChat has not published these figures yet', 'Try again in a few hours'],
  ['QUOTA_EXCEEDED', 45009, 'Today\'s WeChat data quota is used up', 'Try again tomorrow'],
  ['PERMISSION_NOT_DECLARED', -604101, 'The cloud function may not call this WeChat API', 'Developer: add the API to permissions.openapi'],
])('%s (WeChat %i) on every month: what happened and what to do', async (code, errcode, title, action) => {
  mp.cloud.emulator.faults.failNext(TREND, errcode, 100);
  mp.cloud.emulator.faults.failNext(RETAIN, errcode, 100);
  await methods(page).onLoad({ from: addMonths(NEWEST, -2), to: NEWEST });
  expect(text(page, `.card.error-${code} .error-title`)).toBe(title);
  expect(text(page, '.card.error .error-action')).toContain(action);
  expect(text(page, '.card.error .error-detail')).toMatch(new RegExp(`^${code}: .*\\(WeChat error ${errcode}\\)$`));
  expect(page.querySelector('.openid')).toBeUndefined();
});

test('DEADLINE_EXCEEDED: months not fetched in time ask for a refresh, which gets further', async () => {
  mp.cloud.emulator.faults.latency(1100);
  await methods(page).onLoad({ from: addMonths(NEWEST, -11), to: NEWEST });
  const late = page.querySelectorAll('.month-error.error-DEADLINE_EXCEEDED');
  expect(late.length).toBeGreaterThan(0);
  expect(text(page, '.error-DEADLINE_EXCEEDED .error-action')).toContain('Pull down to refresh now');
  mp.cloud.emulator.faults.latency(0);
  await methods(page).onPullDownRefresh();
  expect(page.querySelectorAll('.month-error')).toHaveLength(0);
}, 30_000);

test('when one report fails as a whole, the other still shows', async () => {
  mp.cloud.emulator.faults.failNext(RETAIN, 45009, 100);
  await methods(page).onLoad({ from: addMonths(NEWEST, -2), to: NEWEST });
  expect(text(page, '.card.partial .error-title')).toBe('Part of the figures are missing: Today\'s WeChat data quota is used up');
  expect(page.querySelectorAll('.figure-visitUv')).toHaveLength(3);
});

test('picking a month reloads that range; more than 24 months moves the other end', async () => {
  await methods(page).onLoad({});
  wx.callFunction.mockClear();
  page.querySelector('.picker-from')?.dispatchEvent('change', { detail: { value: addMonths(NEWEST, -2) } });
  await tick();
  while (page.querySelector('.refreshing')) await tick();
  expect(text(page, '.range-value.from')).toBe(addMonths(NEWEST, -2));
  expect(page.querySelectorAll('.card.month')).toHaveLength(3);
  await methods(page).changeRange('from', addMonths(NEWEST, -40));
  expect([text(page, '.range-value.from'), text(page, '.range-value.to')]).toEqual([addMonths(NEWEST, -40), addMonths(NEWEST, -17)]);
  expect(text(page, '.range-note')).toBe('At most 24 months at once: the range was adjusted.');
});

test('backfill: calls the sync while months are deferred, shows progress, then reloads from the archive', async () => {
  await methods(page).onLoad({ from: addMonths(NEWEST, -7), to: NEWEST });
  mp.cloud.reset(NOW); // an empty archive
  mp.cloud.emulator.faults.latency(700);
  const percents: number[] = [];
  const setData = page.instance.setData.bind(page.instance);
  page.instance.setData = (data: Record<string, any>) => {
    if (data.sync) percents.push(data.sync.percent);
    setData(data);
  };
  page.querySelector('.backfill')?.dispatchEvent('tap');
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(page.instance.data.sync.running).toBe(true);
  while (page.instance.data.sync.running) await new Promise((resolve) => setTimeout(resolve, 100));
  mp.cloud.emulator.faults.latency(0);
  await methods(page).load();
  const syncCalls = wx.callFunction.mock.calls.filter(([call]) => call.name === 'syncMonthlyAnalytics');
  expect(syncCalls.length).toBeGreaterThan(1);
  expect(syncCalls[0][0].data).toEqual({ from: addMonths(NEWEST, -7), to: NEWEST });
  expect(percents[percents.length - 1]).toBe(100);
  expect(percents.some((percent) => percent > 0 && percent < 100)).toBe(true);
  expect(text(page, '.progress-text')).toBe('Done: 16 of 16 reports stored, 16 fetched from WeChat.');
  expect(text(page, `.month-${addMonths(NEWEST, -3)} .origin`)).toMatch(/^Archive · fetched /);
}, 30_000);
