import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';

/** The files of a function folder that loads through V8's code cache. */
export const CODE_CACHE_FILES = { loader: 'index.js', bundle: 'bundle.js', cache: 'bundle.cache' } as const;
/** Where a loader reports what became of its cache: `module.exports[CODE_CACHE_STATUS]`. */
export const CODE_CACHE_STATUS = 'codeCache';
/** What a loader did with its cache. */
export type CodeCacheStatus = 'accepted' | 'rejected' | 'skipped' | 'none';
const BUILD_ID_LENGTH = 40;
/** Bytes of bundle.cache before V8's data: the header the loader compares with its own. */
export const CODE_CACHE_HEADER_BYTES = 256;
/**
 * The environment `npm run build` loads a function in to make its cache: the variables the runtime gives
 * every function, with a context address nothing listens on. Loading calls nothing.
 */
export const CODE_CACHE_BUILD_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  TZ: 'UTC',
  TCB_CONTEXT_CNFG: JSON.stringify({ URL: 'http://127.0.0.1:9/admin' }),
  TENCENTCLOUD_RUNENV: 'SCF',
  TENCENTCLOUD_REGION: 'ap-shanghai',
  TENCENTCLOUD_SECRETID: 'id',
  TENCENTCLOUD_SECRETKEY: 'key',
  TCB_ENV: 'env-1',
  SCF_NAMESPACE: 'env-1',
};
const HEADER_BYTES = CODE_CACHE_HEADER_BYTES;

/**
 * index.js of a function folder with a code cache: a loader that runs bundle.js (the function, as esbuild
 * built it) in the module's scope, so `exports.main` is the bundle's and stack traces give bundle.js's own
 * line numbers, under `stackName` (cloudfunctions/<name>/bundle.js: the same with or without the cache).
 * bundle.cache starts with a header naming the build of bundle.js, the architecture and V8's cache tag
 * (V8 version, flags, CPU features) it was made with, then the SHA-256 of V8's data, then the data; the loader reads the rest only when
 * that header is its own (else `skipped`, for the cost of reading 256 bytes; `skipped` too when the file
 * is unreadable, `none` when it is missing), and V8 still checks it (`rejected`, compiled from source). With CODE_CACHE_OUTPUT set, it writes such a cache there after loading.
 * Node 16 and later.
 */
export function loaderSource(stackName: string): string {
  return `'use strict';
// Loads ${CODE_CACHE_FILES.bundle} (the function, built by npm run build) with V8's code cache ${CODE_CACHE_FILES.cache},
// which saves compiling it. A cache from another build, Node version or set of flags is not used,
// nor one that is missing or unreadable; one V8 rejects is compiled from source: the function works the same.
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const { wrap } = require('module');

const HEADER_BYTES = ${HEADER_BYTES};
const file = path.join(__dirname, '${CODE_CACHE_FILES.bundle}');
// The name stack traces give the bundle. V8 keeps in a cache the name its script had when the cache was
// made, so it is the same wherever the folder runs: the cloud's logs then name the same file whether the
// cache was used or not.
const STACK_NAME = ${JSON.stringify(stackName)};
const source = fs.readFileSync(file, 'latin1');
const marker = source.lastIndexOf('//# build ', source.length - 40);
const build = marker < 0 ? '-' : source.slice(marker + 10).trim();
// v8.cachedDataVersionTag() changes with the V8 version, its flags and the CPU features it detected, and
// not with Node's own release: Node releases that ship the same V8 share a cache. V8 checks it again.
const header = [build, process.arch, require('v8').cachedDataVersionTag()]
  .join(' ')
  .padEnd(HEADER_BYTES)
  .slice(0, HEADER_BYTES);
const DIGEST_BYTES = 32;
const sha256 = (data) => require('crypto').createHash('sha256').update(data).digest();

function readCache() {
  let fd;
  try {
    fd = fs.openSync(path.join(__dirname, '${CODE_CACHE_FILES.cache}'), 'r');
  } catch {
    return undefined;
  }
  try {
    const head = Buffer.alloc(HEADER_BYTES);
    if (fs.readSync(fd, head, 0, HEADER_BYTES, 0) !== HEADER_BYTES || head.toString('latin1') !== header) return null;
    const size = fs.fstatSync(fd).size;
    if (size <= HEADER_BYTES + DIGEST_BYTES) return null;
    const data = Buffer.allocUnsafe(size);
    for (let offset = HEADER_BYTES; offset < size; ) {
      const read = fs.readSync(fd, data, offset, size - offset, offset);
      if (read === 0) return null;
      offset += read;
    }
    // V8 does not check every byte of a cache: a damaged one could crash the process, so it is checked here.
    const payload = data.subarray(HEADER_BYTES + DIGEST_BYTES, size);
    return sha256(payload).equals(data.subarray(HEADER_BYTES, HEADER_BYTES + DIGEST_BYTES)) ? payload : null;
  } catch {
    // Unreadable (a folder, an I/O error): compiled from source, as without a cache.
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

const cachedData = readCache();
const script = new vm.Script(wrap(source), { filename: STACK_NAME, cachedData: cachedData || undefined });
script.runInThisContext().call(module.exports, module.exports, require, module, file, __dirname);
const status = cachedData === undefined ? 'none' : cachedData === null ? 'skipped' : script.cachedDataRejected ? 'rejected' : 'accepted';
Object.defineProperty(module.exports, '${CODE_CACHE_STATUS}', { value: status });
// Only npm run build sets CODE_CACHE_OUTPUT; anywhere else a failed write must not fail the function
// (the build checks that the file was written).
if (process.env.CODE_CACHE_OUTPUT) {
  try {
    const payload = script.createCachedData();
    fs.writeFileSync(process.env.CODE_CACHE_OUTPUT, Buffer.concat([Buffer.from(header, 'latin1'), sha256(payload), payload]));
  } catch {}
}
`;
}

/** The build id of a bundle: the first 40 hex digits of its SHA-256. */
function buildIdOf(bundle: string): string {
  return createHash('sha256').update(bundle).digest('hex').slice(0, BUILD_ID_LENGTH);
}

/**
 * Whether bundle.js in `dir` is as the build stamped it: its text before the `//# build <id>` line must
 * still hash to that id. An edit after the build (even of the same length, which V8 would not notice:
 * it checks only the source's length) leaves it unequal: the cache would then run the old code.
 */
export function bundleMatchesItsBuild(dir: string): boolean {
  const stamped = readFileSync(path.join(dir, CODE_CACHE_FILES.bundle), 'latin1');
  const match = /\/\/# build ([0-9a-f]{40})\n$/.exec(stamped);
  if (!match?.[1]) return false;
  const body = stamped.slice(0, match.index);
  return buildIdOf(body) === match[1] || buildIdOf(body.endsWith('\n') ? body.slice(0, -1) : body) === match[1];
}

/**
 * Turns the built function in `dir` (index.js) into the loader, bundle.js (stamped with its build id) and
 * bundle.cache. The cache is made by loading the function once with this Node, `env` as the function's
 * environment, under `nodeFlags` (none by default: the runtime starts a function without flags).
 */
export function addCodeCache(dir: string, env: NodeJS.ProcessEnv, nodeFlags: readonly string[] = []): void {
  const bundle = readFileSync(path.join(dir, CODE_CACHE_FILES.loader), 'latin1');
  const stamped = `${bundle.endsWith('\n') ? bundle : `${bundle}\n`}//# build ${buildIdOf(bundle)}\n`;
  writeFileSync(path.join(dir, CODE_CACHE_FILES.bundle), stamped, 'latin1');
  writeFileSync(path.join(dir, CODE_CACHE_FILES.loader), loaderSource(`cloudfunctions/${path.basename(dir)}/${CODE_CACHE_FILES.bundle}`));
  writeCodeCache(dir, env, nodeFlags);
}

/**
 * (Re)writes bundle.cache in a folder that has the loader and bundle.js, loading the function as
 * {@link addCodeCache} does: in a temp copy of the two files, as the cloud holds them, with no node_modules
 * of the repository within reach (what the function finds there at load would end up in the cache: in the
 * repository, the cache named the bundle by its path on the build machine).
 */
export function writeCodeCache(dir: string, env: NodeJS.ProcessEnv, nodeFlags: readonly string[] = []): void {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'code-cache-build-'));
  try {
    const copy = path.join(scratch, path.basename(dir));
    mkdirSync(copy);
    for (const file of [CODE_CACHE_FILES.loader, CODE_CACHE_FILES.bundle]) copyFileSync(path.join(dir, file), path.join(copy, file));
    execFileSync(process.execPath, [...nodeFlags, path.join(copy, CODE_CACHE_FILES.loader)], {
      cwd: copy,
      env: { ...env, CODE_CACHE_OUTPUT: path.join(copy, CODE_CACHE_FILES.cache) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    rmSync(path.join(dir, CODE_CACHE_FILES.cache), { recursive: true, force: true });
    copyFileSync(path.join(copy, CODE_CACHE_FILES.cache), path.join(dir, CODE_CACHE_FILES.cache));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** What the loader in `dir` does with its cache when this Node (with `env`, no flags) loads the function. */
export function codeCacheStatus(dir: string, env: NodeJS.ProcessEnv): CodeCacheStatus {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'code-cache-'));
  try {
    const probe = path.join(scratch, 'probe.js');
    writeFileSync(probe, `process.stdout.write(require(${JSON.stringify(path.join(dir, CODE_CACHE_FILES.loader))}).${CODE_CACHE_STATUS});\n`);
    const printed = execFileSync(process.execPath, [probe], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return printed.trim().split('\n').pop() as CodeCacheStatus;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Bytes of the SHA-256 of V8's data, between the header and the data. */
export const CODE_CACHE_DIGEST_BYTES = 32;

/**
 * Damages the V8 data of the cache in `dir` where V8 checks it, and writes the digest of the damaged data,
 * so that the loader hands it to V8, which rejects it.
 */
export function corruptCodeCache(dir: string): void {
  const file = path.join(dir, CODE_CACHE_FILES.cache);
  const cache = readFileSync(file);
  const start = HEADER_BYTES + CODE_CACHE_DIGEST_BYTES;
  // V8's data starts with its magic number and checksums: a pattern there makes V8 reject the cache, however often it is written.
  cache.fill(0x5a, start, Math.min(cache.length, start + 16));
  createHash('sha256').update(cache.subarray(start)).digest().copy(cache, HEADER_BYTES);
  writeFileSync(file, cache);
}

/** Damages bytes in the middle of the V8 data of the cache in `dir`, leaving its digest as it was. */
export function damageCodeCacheBody(dir: string): void {
  const file = path.join(dir, CODE_CACHE_FILES.cache);
  const cache = readFileSync(file);
  cache.fill(0xff, Math.floor(cache.length / 2), Math.floor(cache.length / 2) + 8);
  writeFileSync(file, cache);
}
