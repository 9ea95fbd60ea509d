import { PINNED_RETAIN_2017_02, PINNED_TREND_2017_03 } from '../src/analytics-data';
import { monthlyAnalytics, MONTHLY_RETAIN_API, MONTHLY_VISIT_TREND_API, startEmulator, type Emulator } from '../src';

const SEED = 'https-test-seed';
const TOKEN = 'test-access-token';
const CLOCK = new Date('2024-05-15T04:00:00Z');
const RETAIN_PATH = '/datacube/getweanalysisappidmonthlyretaininfo';
const TREND_PATH = '/datacube/getweanalysisappidmonthlyvisittrend';

let emulator: Emulator;

function post(pathname: string, body: unknown, token: string | null = TOKEN): Promise<Response> {
  const query = token === null ? '' : `?access_token=${encodeURIComponent(token)}`;
  return fetch(`${emulator.url}${pathname}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function postJson(pathname: string, body: unknown, token: string | null = TOKEN): Promise<unknown> {
  const response = await post(pathname, body, token);
  expect(response.status).toBe(200);
  return response.json();
}

beforeAll(async () => {
  emulator = await startEmulator({ seed: SEED, accessToken: TOKEN, now: () => CLOCK });
});

afterEach(() => {
  emulator.faults.clear();
  emulator.resetCalls();
});

afterAll(() => emulator.close());

test('2017-02 retention is exactly the API page HTTPS example, without errcode', async () => {
  const response = await post(RETAIN_PATH, { begin_date: '20170201', end_date: '20170228' });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(await response.json()).toEqual(PINNED_RETAIN_2017_02);
});

test('2017-03 visit trend is exactly the API page HTTPS example', async () => {
  expect(await postJson(TREND_PATH, { begin_date: '20170301', end_date: '20170331' })).toEqual({
    list: [PINNED_TREND_2017_03],
  });
});

test('generated months are the generator output, and are recorded as https calls without a function', async () => {
  const expected = monthlyAnalytics(SEED, '2023-11', CLOCK);
  expect(await postJson(TREND_PATH, { begin_date: '20231101', end_date: '20231130' })).toEqual(expected.trend);
  expect(await postJson(RETAIN_PATH, { begin_date: '20231101', end_date: '20231130' })).toEqual(expected.retain);
  expect(emulator.calls).toEqual([
    { functionName: null, apiName: MONTHLY_VISIT_TREND_API, transport: 'https', beginDate: '20231101', endDate: '20231130', errcode: 0, at: CLOCK },
    { functionName: null, apiName: MONTHLY_RETAIN_API, transport: 'https', beginDate: '20231101', endDate: '20231130', errcode: 0, at: CLOCK },
  ]);
});

test.each([
  ['a wrong token', 'not-the-token'],
  ['no token', null],
])('%s is 40001 / 41001', async (_case, token) => {
  expect(await postJson(RETAIN_PATH, { begin_date: '20240301', end_date: '20240331' }, token)).toEqual({
    errcode: token === null ? 41001 : 40001,
    errmsg: expect.stringMatching(
      token === null ? /^access_token missing rid: [0-9a-f-]+$/ : /^invalid credential, access_token is invalid or not latest rid: [0-9a-f-]+$/,
    ),
  });
  expect(emulator.calls[0]).toMatchObject({ transport: 'https', errcode: token === null ? 41001 : 40001 });
});

test("WeChat's date rules apply", async () => {
  expect(await postJson(TREND_PATH, { begin_date: '2024-03-01', end_date: '2024-03-31' })).toEqual({ errcode: 61500, errmsg: 'date format error' });
  expect(await postJson(TREND_PATH, { begin_date: '20240301', end_date: '20240330' })).toEqual({ errcode: 61501, errmsg: 'date range error' });
  expect(await postJson(TREND_PATH, { begin_date: '20240501', end_date: '20240531' })).toMatchObject({ errcode: 61501 });
});

test('bodies WeChat cannot read get its errors', async () => {
  expect(await postJson(TREND_PATH, '')).toMatchObject({ errcode: 44002 });
  expect(await postJson(TREND_PATH, '{"begin_date":')).toMatchObject({ errcode: 47001 });
  const get = await fetch(`${emulator.url}${TREND_PATH}?access_token=${TOKEN}`);
  expect(await get.json()).toMatchObject({ errcode: 43002 });
});

test('faults apply to the HTTPS transport', async () => {
  emulator.faults.failNext('*', 45009);
  emulator.faults.failNext('*', -604103);
  emulator.faults.malformedNext(MONTHLY_RETAIN_API);
  emulator.faults.dropNext(MONTHLY_RETAIN_API);
  const body = { begin_date: '20240301', end_date: '20240331' };
  expect(await postJson(RETAIN_PATH, body)).toEqual({ errcode: 45009, errmsg: 'reach max api daily quota limit' });
  expect(await postJson(RETAIN_PATH, body)).toMatchObject({ errcode: -604103 });
  const malformed = await post(RETAIN_PATH, body);
  await expect(malformed.json()).rejects.toHaveProperty('name', 'SyntaxError');
  await expect(post(RETAIN_PATH, body)).rejects.toThrow();
  expect(await postJson(RETAIN_PATH, body)).toHaveProperty('ref_date', '202403');
  expect(emulator.calls.map((call) => [call.errcode, call.fault])).toEqual([
    [45009, 'fail'],
    [-604103, 'fail'],
    [-601001, 'malformed'],
    [-501001, 'drop'],
    [0, undefined],
  ]);
});

test('overridden replies are served over HTTPS too', async () => {
  const text = '{"ref_date":"202401","visit_uv_new":[{"key":0,"value":12345678901234567890}],"visit_uv":[]}';
  emulator.overrideReply(MONTHLY_RETAIN_API, '2024-01', text);
  const response = await post(RETAIN_PATH, { begin_date: '20240101', end_date: '20240131' });
  expect(await response.text()).toBe(text);
  expect(() => emulator.overrideReply('analysis.getDailyRetain', '2024-01', '{}')).toThrow(RangeError);
  expect(() => emulator.overrideReply(MONTHLY_RETAIN_API, '202401', '{}')).toThrow(RangeError);
});
