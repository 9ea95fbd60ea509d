import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';
import { CODE_CACHE_BUILD_ENV, CODE_CACHE_FILES, codeCacheStatus, corruptCodeCache, damageCodeCacheBody, writeCodeCache } from '../../scripts/build/code-cache';
import { stageFunction } from '../../scripts/deploy/stage';
import { type Emulator, startEmulator } from '@wx-monthly-analytics/cloudbase-emulator';
import { invokeCold } from '@wx-monthly-analytics/function-runner';
import { ADMIN, ADMIN_OPENID, FUNCTIONS_ROOT } from '../helpers/cloud';

// 10:00 on 15 June 2024 in China: 2024-05 is the last complete month.
const NOW = new Date('2024-06-15T02:00:00Z');
const NAME = 'getMonthlyRetain';

/** How a copy of the built folder (uploaded files only) is changed before it is loaded. */
const VARIANTS: { what: string; change: (dir: string) => void; status: string }[] = [
  { what: 'with its cache, as built', change: () => undefined, status: 'accepted' },
  { what: 'without bundle.cache', change: (dir) => rmSync(path.join(dir, CODE_CACHE_FILES.cache)), status: 'none' },
  { what: 'with a corrupt bundle.cache (V8 rejects it)', change: corruptCodeCache, status: 'rejected' },
  {
    what: 'with a cache made under other Node flags (as by another Node version: not read)',
    change: (dir) => writeCodeCache(dir, CODE_CACHE_BUILD_ENV, ['--max-old-space-size=256']),
    status: 'skipped',
  },
  {
    what: 'with a cache of another build',
    change: (dir) => {
      const bundle = path.join(dir, CODE_CACHE_FILES.bundle);
      writeFileSync(bundle, readFileSync(bundle, 'latin1').replace(/\/\/# build \w+\n$/, `//# build ${'0'.repeat(40)}\n`), 'latin1');
    },
    status: 'skipped',
  },
  {
    what: 'with an unreadable bundle.cache (a folder)',
    change: (dir) => {
      rmSync(path.join(dir, CODE_CACHE_FILES.cache));
      mkdirSync(path.join(dir, CODE_CACHE_FILES.cache));
    },
    status: 'skipped',
  },
  {
    what: 'with a truncated bundle.cache',
    change: (dir) => {
      const file = path.join(dir, CODE_CACHE_FILES.cache);
      writeFileSync(file, readFileSync(file).subarray(0, 300));
    },
    status: 'skipped',
  },
  // V8 does not check every byte: such a cache once crashed the process (V8_Fatal) or loaded damaged code.
  { what: 'with bytes damaged in the middle of bundle.cache (not handed to V8)', change: damageCodeCacheBody, status: 'skipped' },
];

describe('a built function loads through its V8 code cache, and as well without a usable one', () => {
  let scratch: string;
  let emulator: Emulator;

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'analytics-code-cache-'));
    VARIANTS.forEach(({ change }, index) => {
      const dir = path.join(scratch, `${NAME}-${index}`);
      stageFunction(path.join(FUNCTIONS_ROOT, NAME), dir);
      change(dir);
    });
    emulator = await startEmulator({ port: 0, functionsRoot: scratch, now: () => NOW });
  });
  afterAll(async () => {
    await emulator?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('the folder is a loader, the readable bundle and its cache', () => {
    const loader = readFileSync(path.join(FUNCTIONS_ROOT, NAME, CODE_CACHE_FILES.loader), 'latin1');
    expect(loader.length).toBeLessThan(4096);
    expect(loader).toContain('new vm.Script(wrap(source), { filename: STACK_NAME, cachedData: cachedData || undefined })');
    expect(readFileSync(path.join(FUNCTIONS_ROOT, NAME, CODE_CACHE_FILES.bundle), 'latin1')).toContain('function initCloud(');
  });

  test.each(VARIANTS.map((variant, index) => ({ ...variant, index })))('$what: the cache is $status, the function answers', async ({ index, status }) => {
    const name = `${NAME}-${index}`;
    const dir = path.join(scratch, name);
    expect(codeCacheStatus(dir, CODE_CACHE_BUILD_ENV)).toBe(status);

    const result = await invokeCold(
      { functionDir: dir, contextUrl: emulator.contextUrl(name), env: { ANALYTICS_ADMIN_OPENIDS: ADMIN_OPENID } },
      { caller: ADMIN, data: { month: '2024-05' }, now: NOW },
    );
    expect(result.failed).toBeUndefined();
    expect(result.timedOut).toBeFalsy();
    expect(result.reply).toMatchObject({ ok: true });
    // Nothing is logged about the cache, whatever became of it.
    expect(result.logs.join('\n')).not.toMatch(/cache/i);
  });

  test.each([0, 1, 2])('a stack trace names cloudfunctions/<name>/bundle.js at the line of the bundle (variant %i)', (index) => {
    const dir = path.join(scratch, `${NAME}-${index}`);
    const probe = path.join(scratch, `stack-probe-${index}.js`);
    // The event and context record the stack of the first frame that reads them: the function's own code.
    writeFileSync(
      probe,
      `const { main } = require(${JSON.stringify(path.join(dir, CODE_CACHE_FILES.loader))});\n` +
        'let stack;\n' +
        'const event = new Proxy({}, { get() { stack = stack || new Error().stack; return undefined; } });\n' +
        'Promise.resolve(main(event, event)).finally(() => process.stdout.write(stack.split("\\n")[2]));\n',
    );
    const frame = execFileSync(process.execPath, [probe], { env: CODE_CACHE_BUILD_ENV, encoding: 'utf8' });
    const match = /\((.+):(\d+):(\d+)\)$/.exec(frame.trim());
    expect(match?.[1]).toBe(`cloudfunctions/${NAME}/${CODE_CACHE_FILES.bundle}`);
    const bundleLines = readFileSync(path.join(dir, CODE_CACHE_FILES.bundle), 'latin1').split('\n');
    const line = bundleLines[Number(match?.[2]) - 1] ?? '';
    expect(line.length).toBeGreaterThanOrEqual(Number(match?.[3]));
    expect(line).toMatch(/event|context/);
  });
});
