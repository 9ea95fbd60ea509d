/**
 * A function's environment variables across a deploy. SCF's UpdateFunctionConfiguration replaces the
 * whole `Environment` (@cloudbase/manager-node 5.6.5 lib/function/index.js: "环境变量 - 为覆盖式修改，不保留
 * 已有字段"), so the deploy starts from what the function has (GetFunction `Environment.Variables`), lays
 * what cloudbaserc.json declares over it, and sends the whole set.
 */

/** One SCF variable (scf_models.d.ts `Variable`: neither Key nor Value may be empty). */
export interface Variable {
  Key: string;
  Value: string;
}

/** The variables that hold secrets: only ever taken from the deployer's environment, never printed. */
export const SECRET_VARIABLES: readonly string[] = ['WECHAT_APPSECRET', 'WECHAT_COMPONENT_APPSECRET', 'WECHAT_COMPONENT_TOKEN', 'WECHAT_COMPONENT_AES_KEY'];

/** What is printed instead of a secret. */
export const REDACTED = '<redacted>';

/** A cloudbaserc.json value taken from the deployer's environment: the whole value `{{env.NAME}}`. */
export const ENV_TEMPLATE = /^\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;

/**
 * Values shaped like a secret whatever their variable is called: 32 hex characters (an AppSecret), 40 or
 * 64 hex characters (tokens, digests), 43 letters and digits (an EncodingAESKey), or a Tencent Cloud
 * SecretId.
 */
const SECRET_SHAPES = [/^[0-9a-f]{32}$/i, /^[0-9a-f]{40}$/i, /^[0-9a-f]{64}$/i, /^[A-Za-z0-9]{43}$/, /^AKID[A-Za-z0-9]{20,}$/];

/**
 * The words that make a variable's name a secret's, wherever they appear in it, case-insensitively: as
 * the whole name (`TOKEN`), as a part of a SNAKE_CASE name (`OPENAI_API_KEY`, `WEBHOOK_TOKEN`) or inside
 * one (`APIKEY`, `ACCESSTOKEN`, `DB_PASSWD`). Matching inside words also catches names that are not
 * secrets (`MONKEY`, `AUTHOR`): redacting those costs only a hidden value.
 */
export const SECRET_NAME_WORDS: readonly string[] = ['KEY', 'TOKEN', 'SECRET', 'PASSWORD', 'PASSWD', 'PRIVATE', 'CREDENTIAL', 'AUTH'];

/**
 * This project's own variables whose names contain one of {@link SECRET_NAME_WORDS} but hold the name of
 * a database collection, not a secret (README: WECHAT_TOKEN_COLLECTION, WECHAT_AUTHORIZER_COLLECTION).
 */
export const PLAIN_VARIABLES: readonly string[] = ['WECHAT_TOKEN_COLLECTION', 'WECHAT_AUTHORIZER_COLLECTION'];

const SECRET_NAME = new RegExp(SECRET_NAME_WORDS.join('|'), 'i');

/**
 * Whether `key` names a secret: one of {@link SECRET_VARIABLES}, or a name with one of
 * {@link SECRET_NAME_WORDS} in it (except {@link PLAIN_VARIABLES}).
 */
export function isSecretName(key: string): boolean {
  return SECRET_VARIABLES.includes(key) || (!PLAIN_VARIABLES.includes(key) && SECRET_NAME.test(key));
}

/** The longest value read from a function that the plan prints. */
export const PRINTABLE_LENGTH = 32;

/**
 * Whether a value read from a function (set by anyone, in the console too) is short and plain enough to
 * print: at most {@link PRINTABLE_LENGTH} characters of letters, digits, space and `_ - . , : / @`. A
 * longer value, or one with other characters (`=`, `?`, `&`, `+`, quotes: URLs with a query, keys,
 * JSON), is not printed whatever its variable is called.
 */
export function isPrintableValue(value: string): boolean {
  return value.length <= PRINTABLE_LENGTH && /^[A-Za-z0-9 _.,:/@-]*$/.test(value);
}

/** What is printed instead of a value read from a function that is not {@link isPrintableValue}. */
export const NOT_SHOWN = '<not shown>';

/** Whether `value` has the shape of a secret (see SECRET_SHAPES). */
export function looksLikeSecret(value: string): boolean {
  return SECRET_SHAPES.some((shape) => shape.test(value.trim()));
}

/** The value as it may be printed: quoted, or {@link REDACTED} for a secret variable or a secret-shaped value. */
export function displayValue(key: string, value: string): string {
  return isSecretName(key) || looksLikeSecret(value) ? REDACTED : JSON.stringify(value);
}

/**
 * A value the function carries (read from the platform, possibly set in the console) as it may be
 * printed: as {@link displayValue}, and {@link NOT_SHOWN} unless it is short and plain ({@link isPrintableValue}).
 */
export function displayCarriedValue(key: string, value: string): string {
  const shown = displayValue(key, value);
  return shown === REDACTED || isPrintableValue(value) ? shown : NOT_SHOWN;
}

/** How one variable changes. `unset`: declared from the deployer's environment, which does not set it, and the function has none. */
export interface VariableChange {
  key: string;
  kind: 'added' | 'changed' | 'removed' | 'kept' | 'unset';
  before?: string;
  after?: string;
  /** Where the new value comes from: cloudbaserc.json, the deployer's variable (its name), or the function as it is. */
  source: { literal: true } | { deployer: string } | { current: 'declared' | 'console' };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * The variables to send and how each changed. For each declared variable: a literal value is set, an
 * empty literal `""` removes it, `{{env.NAME}}` takes the deployer's `NAME` and, when that is unset or
 * empty, keeps the function's current value. Variables the function has and cloudbaserc.json does not
 * declare (set in the console) are kept. Order: the current ones as they were, then the new ones.
 *
 * @param current - the function's variables; empty for a function being created
 * @param declared - cloudbaserc.json `envVariables`
 * @param deployer - the deployer's environment (`process.env`)
 */
export function mergeVariables(
  current: readonly Variable[],
  declared: Readonly<Record<string, string>>,
  deployer: NodeJS.ProcessEnv,
): { variables: Variable[]; changes: VariableChange[] } {
  const result = new Map(current.map((variable) => [variable.Key, variable.Value]));
  const changes: VariableChange[] = [];
  for (const [key, spec] of Object.entries(declared)) {
    const before = result.get(key);
    const template = ENV_TEMPLATE.exec(spec)?.[1];
    const after = template === undefined ? nonEmpty(spec) : nonEmpty(deployer[template]);
    const source: VariableChange['source'] = template === undefined ? { literal: true } : { deployer: template };
    if (after === undefined && template === undefined) {
      if (before === undefined) continue;
      result.delete(key);
      changes.push({ key, kind: 'removed', before, source });
      continue;
    }
    if (after === undefined) {
      changes.push(before === undefined ? { key, kind: 'unset', source } : { key, kind: 'kept', before, after: before, source: { current: 'declared' } });
      continue;
    }
    result.set(key, after);
    const kind = before === undefined ? 'added' : before === after ? 'kept' : 'changed';
    changes.push({ key, kind, ...(before === undefined ? {} : { before }), after, source });
  }
  for (const { Key, Value } of current) {
    if (!Object.prototype.hasOwnProperty.call(declared, Key)) changes.push({ key: Key, kind: 'kept', before: Value, after: Value, source: { current: 'console' } });
  }
  return { variables: [...result].map(([Key, Value]) => ({ Key, Value })), changes };
}

function origin(change: VariableChange): string {
  return 'deployer' in change.source ? ` (from $${change.source.deployer})` : '';
}

/**
 * The changes as lines, every secret redacted: a count, then `+ KEY = value` (added), `~ KEY old → new`
 * (changed; the old value, read from the function, is printed only when short and plain), `- KEY`
 * (removed), and the names kept and those declared but set nowhere.
 */
export function formatVariableChanges(changes: readonly VariableChange[]): string[] {
  const count = (kind: VariableChange['kind']) => changes.filter((change) => change.kind === kind).length;
  const lines = [`${count('added')} added, ${count('changed')} changed, ${count('removed')} removed, ${count('kept')} kept`];
  for (const change of changes) {
    const { key, before = '', after = '' } = change;
    if (change.kind === 'added') lines.push(`+ ${key} = ${displayValue(key, after)}${origin(change)}`);
    if (change.kind === 'changed') lines.push(`~ ${key} ${displayCarriedValue(key, before)} → ${displayValue(key, after)}${origin(change)}`);
    if (change.kind === 'removed') lines.push(`- ${key} (cloudbaserc.json declares it "")`);
  }
  const kept = changes.filter((change) => change.kind === 'kept');
  if (kept.length > 0) {
    const names = kept.map((change) => ('current' in change.source && change.source.current === 'console' ? `${change.key} (set in the console)` : change.key));
    lines.push(`= kept: ${names.join(', ')}`);
  }
  const unset = changes.filter((change) => change.kind === 'unset').map((change) => change.key);
  if (unset.length > 0) lines.push(`? not set (no value in your environment, none on the function): ${unset.join(', ')}`);
  return lines;
}
