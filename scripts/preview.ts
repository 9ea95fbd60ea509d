/**
 * npm run preview: renders the analytics page with the emulator's sample data and writes PNG screenshots
 * (desktop width and a 375 px phone) with headless Chromium.
 *
 * The page is the real one: miniprogram-simulate renders its WXML in jsdom, its client calls the built
 * functions through the wx.cloud stand-in (runner + emulator, real wx-server-sdk); the rendered DOM and
 * the page's WXSS (rpx scaled to the viewport) go into an HTML file that Chromium photographs.
 * Installs nothing: without Chromium it writes the HTML and says how to get Chromium.
 */
import { execFileSync } from 'child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { buildSync } from 'esbuild';
import path from 'path';
import { parseArgs } from 'util';
import { buildFunctions } from './build';
import { startEmulator } from '@wx-monthly-analytics/cloudbase-emulator';
import { callFunctionStandIn } from './miniprogram/call-function';
import { WarmInstance, startWarm } from '@wx-monthly-analytics/function-runner';
import { addMonths, defaultRange } from '../miniprogram/pages/analytics/months';

const ROOT = path.resolve(__dirname, '..');
const FUNCTIONS_ROOT = path.join(ROOT, 'cloudfunctions');
const MINIPROGRAM = path.join(ROOT, 'miniprogram');
const OUT = path.join(ROOT, '.build', 'preview');
/** The Mini Program as DevTools runs it: each .ts compiled to .js beside its .wxml, .wxss and .json. */
const COMPILED = path.join(OUT, 'miniprogram');
const PAGE = path.join(COMPILED, 'pages/analytics/index');
const ADMIN = 'oPreviewAdmin00000000000000001';
const TAG = 'analytics-page';

/** The part of jsdom used here (its typings would bring the DOM's globals into the whole project's type check). */
interface Jsdom {
  window: Record<string, unknown> & { document: { body: unknown } };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand, without its typings in the type check
const { JSDOM } = require('jsdom') as { JSDOM: new (html: string, options: { pretendToBeVisual: boolean }) => Jsdom };
const FUNCTIONS = ['getMonthlyRetain', 'getMonthlyVisitTrend', 'syncMonthlyAnalytics'];

/** Chromium's executable: $CHROMIUM, else the first of Debian's names on PATH. */
function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM, 'chromium-headless-shell', 'chromium', 'chromium-browser', 'google-chrome'].filter(Boolean) as string[];
  for (const candidate of candidates) {
    if (candidate.includes('/')) {
      if (existsSync(candidate)) return candidate;
      continue;
    }
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      const full = path.join(dir, candidate);
      if (existsSync(full)) return full;
    }
  }
  return undefined;
}

/** The page's WXSS as CSS for a browser: class names as miniprogram-simulate renders them, rpx scaled. */
export function wxssToCss(wxss: string): string {
  return wxss
    .replace(/(^|[\s,}])page(?=\s*[{,])/g, '$1body')
    .replace(/(.)?\.([-_a-zA-Z][-_a-zA-Z0-9]*)/g, (all, before: string | undefined, name: string) => (before && /\d/.test(before) ? all : `${before ?? ''}.${TAG}--${name}`))
    .replace(/(-?\d*\.?\d+)rpx/g, 'calc($1 * var(--rpx))');
}

const BASE_CSS = `
:root { --rpx: min(calc(100vw / 750), 0.7px); }
body { margin: 0; }
wx-view, wx-picker, wx-button, ${TAG} { display: block; }
wx-text { display: inline; }
wx-button { display: inline-block; font-size: 13px; line-height: 2.3; padding: 0 1.2em; border-radius: 5px; background: #f2f2f2; color: #000; text-align: center; }
wx-button[type="primary"] { background: #07c160; color: #fff; }
`;

/** Compiles miniprogram/ as DevTools' TypeScript plugin does (one .js per .ts, CommonJS). */
function compileMiniProgram(): void {
  rmSync(COMPILED, { recursive: true, force: true });
  cpSync(MINIPROGRAM, COMPILED, { recursive: true, filter: (source) => !source.endsWith('.ts') || source.endsWith('.d.ts') });
  const sources = (readdirSync(MINIPROGRAM, { recursive: true }) as string[]).filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
  buildSync({ entryPoints: sources.map((file) => path.join(MINIPROGRAM, file)), outbase: MINIPROGRAM, outdir: COMPILED, format: 'cjs', platform: 'neutral', target: 'es2020', logLevel: 'warning' });
}

async function main(): Promise<void> {
  const { values: flags } = parseArgs({ options: { 'allow-missing-browser': { type: 'boolean' } } });
  await buildFunctions();
  compileMiniProgram();
  const emulator = await startEmulator({ functionsRoot: FUNCTIONS_ROOT });
  const instances = new Map<string, Promise<WarmInstance>>();
  const instance = (name: string) => {
    let started = instances.get(name);
    if (!started) {
      started = startWarm({ functionDir: path.join(FUNCTIONS_ROOT, name), contextUrl: emulator.contextUrl(name), env: { ANALYTICS_ADMIN_OPENIDS: ADMIN } });
      instances.set(name, started);
    }
    return started;
  };
  try {
    const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', { pretendToBeVisual: true });
    const globals = globalThis as Record<string, unknown>;
    for (const name of ['document', 'Node', 'Element', 'HTMLElement', 'Event', 'CustomEvent', 'getComputedStyle']) {
      globals[name] = dom.window[name];
    }
    globals.window = dom.window;
    const callFunction = callFunctionStandIn((name, request) => instance(name).then((warm) => warm.invoke(request)), {
      caller: { kind: 'miniprogram', openid: ADMIN },
      functions: FUNCTIONS,
    });
    globals.wx = { cloud: { callFunction }, stopPullDownRefresh() {}, setClipboardData() {} };
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand, without its typings in the type check
    const simulate = require('miniprogram-simulate');
    const page = simulate.render(simulate.load(PAGE, TAG, { compiler: 'simulate', rootPath: COMPILED }));
    page.attach(dom.window.document.body);
    // As after the daily sync: the archive holds the older months; the newest two come from WeChat on this load.
    const { from, to } = defaultRange(new Date());
    const synced = await (await instance('syncMonthlyAnalytics')).invoke({ caller: { kind: 'miniprogram', openid: ADMIN }, data: { from, to: addMonths(to, -2) }, timeoutMs: 60_000 });
    if (synced.failed || synced.timedOut) throw new Error(`the sync failed: ${JSON.stringify(synced.failed ?? 'timed out')}`);
    await page.instance.onLoad({});

    const css = BASE_CSS + wxssToCss(readFileSync(path.join(MINIPROGRAM, 'app.wxss'), 'utf8')) + wxssToCss(readFileSync(`${PAGE}.wxss`, 'utf8'));
    const html = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Monthly analytics</title><style>${css}</style></head><body>${page.dom.outerHTML}</body></html>`;
    mkdirSync(OUT, { recursive: true });
    const htmlFile = path.join(OUT, 'analytics.html');
    writeFileSync(htmlFile, html);
    console.log(`Wrote ${path.relative(ROOT, htmlFile)}.`);

    const chromium = findChromium();
    if (!chromium) {
      console.log('No Chromium found, so no screenshot. Install it (Debian: apt-get install chromium-headless-shell) or set CHROMIUM=/path/to/chrome.');
      process.exitCode = flags['allow-missing-browser'] ? 0 : 2;
      return;
    }
    for (const [name, width, height] of [['desktop', 1280, 1500], ['phone', 375, 1400]] as const) {
      const png = path.join(OUT, `analytics-${name}.png`);
      execFileSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--window-size=${width},${height}`, `--screenshot=${png}`, `file://${htmlFile}`], { stdio: 'ignore' });
      console.log(`Wrote ${path.relative(ROOT, png)} (${width} px wide).`);
    }
  } finally {
    await Promise.all([...instances.values()].map(async (started) => (await started).close()));
    await emulator.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  });
}
