import { ConfigurationError } from '../errors';

/** A function's environment variables, as the platform passes them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** What a value is made of, in words: `hex digits`, `letters and digits`, `letters, digits and other characters`. */
function characterClasses(value: string): string {
  if (/^[0-9a-f]+$/i.test(value) && /[a-f]/i.test(value) && /\d/.test(value)) return 'hex digits';
  const classes = [
    /[A-Za-z]/.test(value) ? 'letters' : '',
    /\d/.test(value) ? 'digits' : '',
    /\s/.test(value) ? 'spaces' : '',
    /[^A-Za-z\d\s]/.test(value) ? 'other characters' : '',
  ].filter(Boolean);
  return classes.length < 2 ? (classes[0] ?? 'nothing') : `${classes.slice(0, -1).join(', ')} and ${classes.at(-1)}`;
}

/**
 * A wrong value described without being quoted: its length, what it is made of and, for something that
 * looks like an address, its scheme. A value that does not have its variable's shape may be another
 * variable's (an AppSecret pasted into WECHAT_APPID, the two swapped), and a configuration error reaches
 * the log of every caller and the reply of an admin: so no value is ever echoed.
 */
export function describeValue(value: string): string {
  if (value === '') return 'empty';
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1];
  const start = scheme === undefined ? '' : `, starting ${scheme}://`;
  return `${value.length} character${value.length === 1 ? '' : 's'} of ${characterClasses(value)}${start} (not shown)`;
}

/** `name` is not `expected`: a {@link ConfigurationError} that describes the value, never quotes it. */
export function configurationError(name: string, expected: string, got: string): ConfigurationError {
  return new ConfigurationError(name, `Environment variable ${name} must be ${expected}; it is ${describeValue(got)}. Fix it in the cloud function's configuration.`);
}

/** A Mini Program's or platform's AppID: `wx` and 16 letters or digits. */
export const APPID_PATTERN = /^wx[0-9a-zA-Z]{16}$/;

/** A required AppID variable; `when` says in which mode it is needed. */
export function readAppid(env: Env, name: string, what: string, when: string): string {
  const appid = (env[name] ?? '').trim();
  if (!APPID_PATTERN.test(appid)) throw configurationError(name, `${what} (wx and 16 characters) ${when}`, appid);
  return appid;
}

/** A required secret (or token): present, never described beyond "empty". `when` says in which mode it is needed. */
export function readSecret(env: Env, name: string, what: string, when: string): string {
  const value = (env[name] ?? '').trim();
  if (value === '') {
    throw new ConfigurationError(name, `Environment variable ${name} must be ${what} ${when}; it is empty. Set it in the cloud function's configuration.`);
  }
  return value;
}

/** A collection name, `fallback` when unset. */
export function readCollection(env: Env, name: string, fallback: string): string {
  const collection = (env[name] ?? '').trim() || fallback;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(collection)) throw configurationError(name, 'letters, digits, _ and - (at most 64)', collection);
  return collection;
}

/** `WECHAT_API_BASE_URL`: default `https://api.weixin.qq.com`; `http://` only for 127.0.0.1 or localhost. */
export function readBaseUrl(env: Env): string {
  const baseUrl = (env.WECHAT_API_BASE_URL ?? '').trim() || 'https://api.weixin.qq.com';
  let url: URL | undefined;
  try {
    url = new URL(baseUrl);
  } catch {
    url = undefined;
  }
  const local = url !== undefined && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && local)) || url.username || url.password) {
    throw configurationError('WECHAT_API_BASE_URL', 'an https:// URL (http:// only for 127.0.0.1 or localhost)', baseUrl);
  }
  return url.toString();
}

/** One of `choices`, the first when unset. */
export function readChoice<Choice extends string>(env: Env, name: string, choices: readonly [Choice, ...Choice[]]): Choice {
  const text = (env[name] ?? '').trim();
  if (text === '') return choices[0];
  const choice = choices.find((candidate) => candidate === text);
  if (!choice) throw configurationError(name, `one of ${choices.join(', ')}`, text);
  return choice;
}

/** A whole number from `min` to `max` in decimal digits, `fallback` when unset. */
export function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const text = (env[name] ?? '').trim();
  if (text === '') return fallback;
  // Decimal digits only: Number() would also take 0x4, 1e1, 0b10 and ' 4 '.
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) throw configurationError(name, `a whole number from ${min} to ${max}`, text);
  return value;
}
