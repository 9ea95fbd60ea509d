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
import { accessSync, constants, cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'fs';
import { buildSync } from 'esbuild';
import path from 'path';
import { buildFunctions } from './build';
import { UsageError, commandArguments, parseCommandLine } from './command-line';
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

const USAGE = `Usage: npm run preview -- [--allow-missing-browser]

Renders the analytics page with the emulator's sample data and writes .build/preview/analytics.html and,
with headless Chromium, analytics-desktop.png and analytics-phone.png.

  --allow-missing-browser   exit 0 when no Chromium is found (the HTML is written all the same)
  --help                    this text
Environment: CHROMIUM=/path/to/chrome (or a name on PATH) is the browser used; without it the first of
chromium-headless-shell, chromium, chromium-browser, google-chrome found on PATH.`;

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const full = path.join(dir, name);
    if (isExecutableFile(full)) return full;
  }
  return undefined;
}

/**
 * Chromium's executable: $CHROMIUM (a path, or a name looked up on PATH), else the first of Debian's names on
 * PATH, else undefined. A CHROMIUM that names no executable file is refused (UsageError), never passed over.
 */
function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const chosen = env.CHROMIUM;
  if (chosen !== undefined && chosen !== '') {
    const found = chosen.includes('/') ? (isExecutableFile(path.resolve(chosen)) ? path.resolve(chosen) : undefined) : onPath(chosen, env.PATH ?? '');
    if (found === undefined) {
      throw new UsageError(
        `CHROMIUM=${chosen} is ${chosen.includes('/') ? 'not an executable file' : 'not on PATH'}: ` +
          'set it to the browser\'s executable (e.g. CHROMIUM=/usr/bin/chromium), or unset it to use the first Chromium on PATH',
      );
    }
    return found;
  }
  for (const candidate of ['chromium-headless-shell', 'chromium', 'chromium-browser', 'google-chrome']) {
    const found = onPath(candidate, env.PATH ?? '');
    if (found !== undefined) return found;
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

async function main(flags: { 'allow-missing-browser'?: boolean }, chromium: string | undefined): Promise<void> {
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

    if (!chromium) {
      console.log('No Chromium found, so no screenshot. Install it (Debian: apt-get install chromium-headless-shell) or set CHROMIUM=/path/to/chrome.');
      process.exitCode = flags['allow-missing-browser'] ? 0 : 2;
      return;
    }
    for (const [name, width, height] of [['desktop', 1280, 1500], ['phone', 375, 1400]] as const) {
      const png = path.join(OUT, `analytics-${name}.png`);
      try {
        execFileSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--window-size=${width},${height}`, `--screenshot=${png}`, `file://${htmlFile}`], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
      } catch (error) {
        const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim().split('\n').slice(-3).join('\n');
        throw new Error(`${chromium} could not take the ${name} screenshot (${(error as Error).message.split('\n')[0]})${stderr ? `:\n${stderr}` : ''}`);
      }
      console.log(`Wrote ${path.relative(ROOT, png)} (${width} px wide).`);
    }
  } finally {
    await Promise.all([...instances.values()].map(async (started) => (await started).close()));
    await emulator.close();
  }
}

if (require.main === module) {
  const parsed = commandArguments('preview', USAGE, () => {
    const { values } = parseCommandLine(process.argv.slice(2), { 'allow-missing-browser': { type: 'boolean' } });
    return values.help ? 'help' : { flags: values, chromium: findChromium() };
  });
  if (parsed !== undefined) {
    main(parsed.flags, parsed.chromium).catch((error: unknown) => {
      console.error(error instanceof Error ? error.stack : error);
      process.exitCode = 1;
    });
  }
}
