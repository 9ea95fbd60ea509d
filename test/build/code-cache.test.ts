import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';
import { CODE_CACHE_FILES, addCodeCache, codeCacheStatus } from '../../scripts/build/code-cache';
import { FUNCTIONS_ROOT } from '../helpers/cloud';

// The function's environment as the runtime gives it; nothing is called, the function is only loaded.
const ENV = {
  PATH: process.env.PATH,
  TCB_CONTEXT_CNFG: JSON.stringify({ URL: 'http://127.0.0.1:9/admin' }),
  TENCENTCLOUD_RUNENV: 'SCF',
  TENCENTCLOUD_REGION: 'ap-shanghai',
  TENCENTCLOUD_SECRETID: 'id',
  TENCENTCLOUD_SECRETKEY: 'key',
  TCB_ENV: 'env-1',
  SCF_NAMESPACE: 'env-1',
};

describe('loading a function through a V8 code cache (bench experiment)', () => {
  let scratch: string;
  const folder = (name: string, nodeFlags: string[] = []) => {
    const dir = path.join(scratch, name);
    cpSync(path.join(FUNCTIONS_ROOT, 'getMonthlyRetain'), dir, { recursive: true });
    addCodeCache(dir, ENV, nodeFlags);
    return dir;
  };

  beforeAll(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'analytics-code-cache-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test('a cache made by this Node without flags is accepted', () => {
    expect(codeCacheStatus(folder('accepted'), ENV)).toBe('accepted');
  });

  test('a cache made under other flags, or for another build, is not read; one V8 refuses is compiled from source', () => {
    expect(codeCacheStatus(folder('flags', ['--max-old-space-size=256']), ENV)).toBe('skipped');

    const other = folder('other-build');
    const bundle = path.join(other, CODE_CACHE_FILES.bundle);
    writeFileSync(bundle, readFileSync(bundle, 'latin1').replace(/\/\/# build \w+\n$/, '//# build 0000000000000000000000000000000000000000\n'), 'latin1');
    expect(codeCacheStatus(other, ENV)).toBe('skipped');

    const corrupt = folder('corrupt');
    const cacheFile = path.join(corrupt, CODE_CACHE_FILES.cache);
    const cache = readFileSync(cacheFile);
    for (let index = 256; index < 256 + 16; index += 1) cache[index] = (cache[index] as number) ^ 0xff;
    writeFileSync(cacheFile, cache);
    expect(codeCacheStatus(corrupt, ENV)).toBe('rejected');

    const none = folder('none');
    rmSync(path.join(none, CODE_CACHE_FILES.cache));
    expect(codeCacheStatus(none, ENV)).toBe('none');
  });
});
