'use strict';
/*
 * Bundled into each function by scripts/build/lazy-modules.ts: a stand-in for a module that the SDK
 * requires at load but uses only inside features our functions never call. The module is required the
 * first time anything reads from it, so a function that never uses it never pays for evaluating it.
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

module.exports = { lazyModule };
