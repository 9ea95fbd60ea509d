import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'child_process';
import { generateKeyPairSync } from 'crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';
import { toAsciiBundle } from '../../scripts/build/ascii';
import { lazyRequirePlugin, applyLazyRequires } from '../../scripts/build/lazy-plugin';
import { LAZY_BUNDLE, LAZY_REQUIRES, SDK_REWRITES, type LazyRequire } from '../../scripts/build/lazy-modules';
import { bundleEntry } from '../../scripts/build';
import { FUNCTIONS_ROOT, REPO_ROOT } from '../helpers/cloud';

const LAZY_REQUIRE_JS = path.join(REPO_ROOT, 'scripts', 'build', 'lazy-require.js');
const { lazyModule, compareSignedKeys, sortsByRootCollation } = require(LAZY_REQUIRE_JS) as {
  lazyModule: <T extends object>(load: () => T) => T;
  compareSignedKeys: (a: string, b: unknown) => number;
  sortsByRootCollation: (env: NodeJS.ProcessEnv) => boolean;
};

describe('the built bundles', () => {
  test.each(['componentEvents', 'getMonthlyRetain', 'getMonthlyVisitTrend', 'syncMonthlyAnalytics'])(`%s/bundle.js and ${LAZY_BUNDLE} are all ASCII and keep their names`, (name) => {
    const bytes = readFileSync(path.join(FUNCTIONS_ROOT, name, 'bundle.js'));
    expect(bytes.findIndex((byte) => byte > 0x7f)).toBe(-1);
    expect(bytes.toString('latin1')).toContain('function initCloud(');
    const lazy = readFileSync(path.join(FUNCTIONS_ROOT, name, LAZY_BUNDLE));
    expect(lazy.findIndex((byte) => byte > 0x7f)).toBe(-1);
    expect(lazy.toString('latin1')).toContain('function lazyBundleModule(');
  });

  test.each(['componentEvents', 'getMonthlyRetain', 'getMonthlyVisitTrend', 'syncMonthlyAnalytics'])('%s/index.js, its loader, is all ASCII', (name) => {
    const bytes = readFileSync(path.join(FUNCTIONS_ROOT, name, 'index.js'));
    expect(bytes.findIndex((byte) => byte > 0x7f)).toBe(-1);
  });
});

describe('an all-ASCII bundle', () => {
  test('non-ASCII characters in comments are written as escapes; strings and names keep their values', async () => {
    const result = await toAsciiBundle('// 计算签名 ✓\nconst s = "é"; /* 😀 */\n');
    expect(result).toEqual({ code: '// \\u8ba1\\u7b97\\u7b7e\\u540d \\u2713\nconst s = "\\u00e9"; /* \\u{1f600} */\n', escaped: 7 });
  });

  test('the build stops if escaping would change what the code does', async () => {
    await expect(toAsciiBundle('const raw = String.raw`é`;\n')).rejects.toThrow('more than its comments');
  });

  test('an ASCII text is left alone', async () => {
    expect(await toAsciiBundle('const a = 1; // ok\n')).toEqual({ code: 'const a = 1; // ok\n', escaped: 0 });
  });
});

describe('the deferred requires', () => {
  const entry: LazyRequire = { file: 'x/a.js', statement: 'const b_1 = require("b");', replacement: 'const b_1 = lazy();', packages: ['b'], usedFor: 'test' };

  test('each listed statement stands once in the installed SDK', () => {
    for (const listed of [...LAZY_REQUIRES, ...SDK_REWRITES]) {
      const text = readFileSync(path.join(REPO_ROOT, 'node_modules', listed.file), 'utf8');
      expect(text.split(listed.statement)).toHaveLength(2);
    }
  });

  test('a statement that is missing or stands twice stops the build', () => {
    expect(applyLazyRequires('x/a.js', 'const b_1 = require("b");\nb_1.go();', [entry])).toBe('const b_1 = lazy();\nb_1.go();');
    expect(() => applyLazyRequires('x/a.js', 'const b_1 = require("c");', [entry])).toThrow('found it 0 times');
    expect(() => applyLazyRequires('x/a.js', 'const b_1 = require("b");\nconst b_1 = require("b");', [entry])).toThrow('found it 2 times');
  });

  test('a listed file that is no longer bundled, while its package is, stops the build', async () => {
    const gone: LazyRequire = { ...entry, file: '@cloudbase/node-sdk/dist/no-such-file.js' };
    const bundle = (contents: string, external: string[] = []) =>
      build({ stdin: { contents, resolveDir: REPO_ROOT }, bundle: true, write: false, platform: 'node', external, logLevel: 'silent', plugins: [lazyRequirePlugin([gone])] });
    await expect(bundle('require("@cloudbase/node-sdk");')).rejects.toThrow('no-such-file.js is no longer in the bundle');
    // A function that has the cloud install the SDK (a dependency in its package.json) bundles none of it.
    await expect(bundle('require("wx-server-sdk");', ['wx-server-sdk'])).resolves.toHaveProperty('errors', []);
  });

  test('a stand-in loads its module once, on first use, and behaves as the module', () => {
    const load = jest.fn(() => ({ default: (x: number) => x + 1, name: 'real' }));
    const stand = lazyModule(load);
    expect(load).not.toHaveBeenCalled();
    expect(stand.default(1)).toBe(2);
    expect(stand.name).toBe('real');
    expect('name' in stand).toBe(true);
    expect(Object.keys(stand)).toEqual(['default', 'name']);
    expect(load).toHaveBeenCalledTimes(1);
  });

  test('the SDK features behind them still work in a bundle: login tickets, data models, the AI client, file types', async () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'analytics-lazy-'));
    try {
      const outfile = path.join(scratch, 'bundle.js');
      const entryFile = path.join(scratch, 'entry.js');
      writeFileSync(
        entryFile,
        [
          'require("wx-server-sdk");',
          'const tcb = require("@cloudbase/node-sdk");',
          'const FormData = require("form-data");',
          'const lazyBefore = Object.keys(require.cache).some((file) => file.endsWith("bundle-lazy.js"));',
          'const { privateKey } = JSON.parse(process.argv[2]);',
          'const app = tcb.init({ env: "env-1", credentials: { private_key_id: "key-1", private_key: privateKey, env_id: "env-1" } });',
          'const ticket = app.auth().createTicket("user-1");',
          'const form = new FormData();',
          'form.append("file", Buffer.from("x"), { filename: "chart.png" });',
          'const fileType = /Content-Type: ([\\w/]+)/.exec(form.getBuffer().toString())[1];',
          'const lazyAfter = Object.keys(require.cache).some((file) => file.endsWith("bundle-lazy.js"));',
          'console.log(JSON.stringify({ ticket, models: typeof app.models.someModel.list, ai: typeof app.ai().createModel, fileType, lazyBefore, lazyAfter }));',
        ].join('\n'),
      );
      const written = await bundleEntry({ entry: entryFile, outdir: scratch, nodePaths: [path.join(REPO_ROOT, 'node_modules')] });
      expect(written.lazyBundle).toBeGreaterThan(0);
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
      const printed = execFileSync(process.execPath, [outfile, JSON.stringify({ privateKey })], { cwd: scratch, encoding: 'utf8', env: { PATH: process.env.PATH } });
      const probe = JSON.parse(printed.trim().split('\n').pop() as string) as { ticket: string; models: string; ai: string; fileType: string; lazyBefore: boolean; lazyAfter: boolean };
      // The deferred modules came from the lazy bundle, required on first use only.
      expect(probe.lazyBefore).toBe(false);
      expect(probe.lazyAfter).toBe(true);
      expect(probe.ticket).toMatch(/^key-1\/@@\/[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(probe.models).toBe('function');
      expect(probe.ai).toBe('function');
      expect(probe.fileType).toBe('image/png');
      // A folder uploaded without its lazy bundle fails where a deferred module is first used, saying what is missing.
      rmSync(path.join(scratch, LAZY_BUNDLE));
      const missing = spawnSync(process.execPath, [outfile, JSON.stringify({ privateKey })], { cwd: scratch, encoding: 'utf8', env: { PATH: process.env.PATH } });
      expect(missing.status).not.toBe(0);
      expect(missing.stderr).toContain(`${LAZY_BUNDLE} is missing beside bundle.js`);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe('the key order of the SDK\'s request signing', () => {
  const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789_-';
  const SIGNED_KEYS = ['content-type', 'user-agent', 'x-tcb-source', 'x-client-timestamp', 'x-sdk-version', 'host', 'x-tcb-region', 'collectionname', 'tcb_sessiontoken', 'sessiontoken'];

  /** Every key of up to two characters of the alphabet, the keys the SDK signs, and random longer ones. */
  function sampleKeys(): string[] {
    const keys = ['', ...SIGNED_KEYS, 'a_b', 'a-b', 'a1', 'a_', 'ab', 'Host', 'Ä', 'aa', 'z', 'ch', 'd'];
    for (const a of ALPHABET) for (const b of ['', ...ALPHABET]) keys.push(a + b);
    let seed = 11;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    for (let index = 0; index < 2000; index += 1) keys.push(Array.from({ length: 1 + next(20) }, () => ALPHABET[next(ALPHABET.length)]).join(''));
    return keys;
  }

  test('is the order localeCompare gives, key by key and sorted, on this Node', () => {
    const keys = sampleKeys();
    const sign = (value: number) => Math.sign(value);
    for (let index = 0; index < keys.length; index += 1) {
      const a = keys[index] as string;
      const b = keys[(index * 7919) % keys.length] as string;
      expect([a, b, compareSignedKeys(a, b)]).toEqual([a, b, sign(a.localeCompare(b))]);
    }
    expect([...keys].sort(compareSignedKeys)).toEqual([...keys].sort((l, r) => l.localeCompare(r)));
  });

  test('is localeCompare itself under a locale with a collation of its own', () => {
    expect(sortsByRootCollation({})).toBe(true);
    expect(sortsByRootCollation({ LANG: 'C.UTF-8' })).toBe(true);
    expect(sortsByRootCollation({ LANG: 'en_US.UTF-8' })).toBe(true);
    expect(sortsByRootCollation({ LANG: 'en_US_POSIX' })).toBe(false);
    expect(sortsByRootCollation({ LANG: 'da_DK.UTF-8' })).toBe(false);
    expect(sortsByRootCollation({ LANG: 'en_US.UTF-8', LC_ALL: 'cs_CZ.UTF-8' })).toBe(false);
    // In a new process under Danish collation, where "aa" sorts after "z", the order is still localeCompare's.
    const script = `const { compareSignedKeys } = require(${JSON.stringify(LAZY_REQUIRE_JS)}); process.stdout.write(JSON.stringify([compareSignedKeys('aa', 'z'), 'aa'.localeCompare('z')]));`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH, LANG: 'da_DK.UTF-8' } });
    const [ours, theirs] = JSON.parse(run.stdout) as [number, number];
    expect(ours).toBe(Math.sign(theirs));
  });

  test('never builds ICU\'s collator for the keys the SDK signs', () => {
    // Timing is the point of the rewrite; here it is enough that no collator-backed call happens: a stub
    // localeCompare that throws is never reached for plain keys under this process's locale.
    const original = String.prototype.localeCompare;
    String.prototype.localeCompare = () => {
      throw new Error('localeCompare called');
    };
    try {
      expect(sortsByRootCollation(process.env)).toBe(true);
      expect([...SIGNED_KEYS].sort(compareSignedKeys)).toEqual(['collectionname', 'content-type', 'host', 'sessiontoken', 'tcb_sessiontoken', 'user-agent', 'x-client-timestamp', 'x-sdk-version', 'x-tcb-region', 'x-tcb-source']);
    } finally {
      String.prototype.localeCompare = original;
    }
  });
});
