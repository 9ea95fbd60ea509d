'use strict';
/*
 * Bundled into each function by scripts/build/lazy-modules.ts: a stand-in for a module that the SDK
 * requires at load but uses only inside features our functions never call. The module is required the
 * first time anything reads from it, so a function that never uses it never pays for evaluating it.
 * Also the key order of the SDK's request signing without building ICU's collator (compareSignedKeys).
 */

/**
 * A stand-in for the value `load()` returns, calling `load` once, on first use.
 * Works for the way compiled TypeScript uses an import: by reading properties (`x_1.default`, `x_1.name`).
 * @template {object} T
 * @param {() => T} load
 * @returns {T}
 */
function lazyModule(load) {
  /** @type {{ value: any } | undefined} */
  let loaded;
  const real = () => (loaded || (loaded = { value: load() })).value;
  return new Proxy(/** @type {any} */ (Object.create(null)), {
    get: (_, key) => real()[key],
    set: (_, key, value) => {
      real()[key] = value;
      return true;
    },
    has: (_, key) => key in real(),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
}

/** Keys that root collation orders by one weight per character: lowercase ASCII letters, digits, `_` and `-`. */
const PLAIN_KEY = /^[a-z0-9_-]*$/;

/**
 * The rank of a character of a plain key in root collation (CLDR root, which `en` and `C` use): `_`, then
 * `-`, then the digits, then the letters. Not ASCII order: ASCII puts `-` before `_`, and `_` after the digits.
 * @param {number} code
 */
function plainRank(code) {
  if (code === 95) return 0; // _
  if (code === 45) return 1; // -
  if (code <= 57) return code - 46; // 0-9: 2..11
  return code - 85; // a-z: 12..37
}

/** @type {boolean | undefined} */
let rootLocale;

/**
 * Whether the process's default locale sorts by root collation: ICU takes it from LC_ALL, LC_MESSAGES or
 * LANG, the first that is set; unset, C, POSIX and English (not en_US_POSIX, which sorts by ASCII) have
 * no tailoring of their own. Another locale may have one (Danish sorts `aa` after `z`, Czech `ch` after `h`).
 * @param {NodeJS.ProcessEnv} env
 */
function sortsByRootCollation(env) {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^(?:|C|POSIX|C\.[\w-]+|en(?:_[A-Z]{2})?(?:\.[\w-]+)?)$/.test(locale);
}

/**
 * `a.localeCompare(b)` as the SDK's signing sorts its header and parameter names with it (sign only: -1, 0
 * or 1), without building ICU's collator, which takes 5 to 6 ms on the first call of a new process. Plain
 * keys (see PLAIN_KEY) under a locale without tailoring compare by their root-collation ranks, which is
 * what the collator answers for them; anything else goes to localeCompare itself.
 * @param {string} a
 * @param {unknown} b
 * @returns {number}
 */
function compareSignedKeys(a, b) {
  const other = String(b);
  if (rootLocale === undefined) rootLocale = sortsByRootCollation(process.env);
  if (!rootLocale || !PLAIN_KEY.test(a) || !PLAIN_KEY.test(other)) return a.localeCompare(other);
  const length = Math.min(a.length, other.length);
  for (let index = 0; index < length; index += 1) {
    const difference = plainRank(a.charCodeAt(index)) - plainRank(other.charCodeAt(index));
    if (difference !== 0) return difference < 0 ? -1 : 1;
  }
  return a.length === other.length ? 0 : a.length < other.length ? -1 : 1;
}

module.exports = { lazyModule, compareSignedKeys, sortsByRootCollation };
