import { existsSync, readFileSync } from 'fs';
import path from 'path';
import { APPID_PATTERN } from '../../src/config/values';
import { jsonSyntaxProblem } from './json-syntax';

/** A timer trigger as WeChat reads it from a function's config.json. */
export interface TimerTrigger {
  name: string;
  type: 'timer';
  /** Seven-field cron: second minute hour day month week year. */
  config: string;
}

/** What a function's config.json asks WeChat for. */
export interface FunctionConfig {
  openapi: string[];
  triggers: TimerTrigger[];
}

/** The part of project.config.json that deploying needs. */
export interface ProjectConfig {
  appid: string;
  cloudfunctionRoot: string;
}

/** The appid DevTools writes for a project without one; nothing can be uploaded with it. */
export const PLACEHOLDER_APPID = 'touristappid';


/** Where WeChat DevTools and this repository keep the functions. */
export const EXPECTED_CLOUDFUNCTION_ROOT = 'cloudfunctions/';

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface CronField {
  name: string;
  min: number;
  max: number;
  /** Names the field accepts, case-insensitively: names[i] stands for min + i. */
  names?: readonly string[];
}

const CRON_FIELDS: readonly CronField[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  { name: 'week', min: 0, max: 6, names: WEEKDAY_NAMES },
  { name: 'year', min: 1970, max: 2099 },
];

const CRON_EXAMPLE = '"0 0 10 * * * *" (10:00:00 every day)';
const CRON_LAYOUT = '7 fields: second minute hour day month week year';
/** One list item: `*`, a value, or a range `a-b`, optionally followed by a step `/n`; values are numbers or names. */
const CRON_ITEM = /^(?:(\*)|([0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?)(?:\/([0-9]+))?$/;
const TRIGGER_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,59}$/;
const CONFIG_KEYS = ['permissions', 'triggers'];
const PERMISSIONS_KEYS = ['openapi'];
const TRIGGER_KEYS = ['name', 'type', 'config'];
const CONSOLE_SETTINGS = ['timeout', 'memorySize', 'runtime', 'envVariables', 'handler'];

/**
 * Problems with a seven-field timer cron (`second minute hour day month week year`); empty when valid.
 * Each field is a comma-separated list of items, as WeChat's and CloudBase's trigger docs allow: `*`, a
 * value `n`, a range `a-b`, each optionally followed by a step `/n` (`*\/5`, `1/10`, `8-18/2`). Values are
 * numbers within the field's range (second and minute 0-59, hour 0-23, day 1-31, month 1-12, week 0-6,
 * year 1970-2099) or, for month and week, names `JAN`…`DEC` and `SUN`…`SAT` in any case (`MON-FRI`).
 * A 5- or 6-field cron gets a message with the seven-field expression it probably meant.
 */
export function cronProblems(expression: string): string[] {
  const fields = expression.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== CRON_FIELDS.length) return [fieldCountProblem(fields)];
  const problems: string[] = [];
  fields.forEach((field, index) => {
    const spec = CRON_FIELDS[index];
    if (spec === undefined) return;
    for (const item of field.split(',')) {
      const problem = cronItemProblem(item, spec);
      if (problem !== undefined) problems.push(`${spec.name} "${field}": ${problem}`);
    }
  });
  return problems;
}

function fieldCountProblem(fields: string[]): string {
  const given = fields.join(' ');
  const count = `it has ${fields.length} field${fields.length === 1 ? '' : 's'}; WeChat needs ${CRON_LAYOUT}`;
  if (fields.length === 5) {
    return `${count}; did you mean "0 ${given} *" (a 5-field cron is minute hour day month week: add the second before and the year after)?`;
  }
  if (fields.length === 6) {
    const last = fields[5] ?? '';
    if (/^(19[7-9]\d|20\d\d)(-\d{4})?$/.test(last)) {
      return `${count}; did you mean "0 ${given}" (the second is missing: add it before)?`;
    }
    return `${count}; did you mean "${given} *" (the year is missing: add * after)?`;
  }
  return `${count}, e.g. ${CRON_EXAMPLE}`;
}

function cronValue(text: string, spec: CronField): { value: number } | { problem: string } {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < spec.min || value > spec.max) return { problem: `${text} is outside ${spec.min}-${spec.max}` };
    return { value };
  }
  const index = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index >= 0) return { value: spec.min + index };
  const allowed = spec.names === undefined ? `a number ${spec.min}-${spec.max}` : `${spec.min}-${spec.max} or ${spec.names.join(', ')}`;
  return { problem: `"${text}" is not a valid ${spec.name}: use ${allowed}` };
}

function cronItemProblem(item: string, spec: CronField): string | undefined {
  const match = CRON_ITEM.exec(item);
  if (match === null) {
    return `"${item}" is not *, a value, a range a-b, or one of those with a step (*/n, a/n, a-b/n)`;
  }
  const [, , from, to, step] = match;
  const values: number[] = [];
  for (const text of [from, to]) {
    if (text === undefined) continue;
    const read = cronValue(text, spec);
    if ('problem' in read) return read.problem;
    values.push(read.value);
  }
  const [low, high] = values;
  if (low !== undefined && high !== undefined && low > high) {
    const [saturday, sunday] = /^\d+$/.test(from ?? '') ? ['6', '0'] : ['SAT', 'SUN'];
    const endOfWeek = high === 0 ? sunday : `${sunday}-${to}`;
    const hint = spec.name === 'week' ? ` (the week runs SUN to SAT, 0 to 6): split it, e.g. ${from}-${saturday},${endOfWeek}` : '';
    return `range ${from}-${to} runs backwards${hint}`;
  }
  const largestStep = Math.max(spec.max - spec.min, 1);
  if (step !== undefined && (Number(step) < 1 || Number(step) > largestStep)) return `step ${step} is outside 1-${largestStep}`;
  return undefined;
}

/** Whether WeChat accepts `name` for a trigger: a letter, then letters, digits, _ or -, 60 at most. */
export function isValidTriggerName(name: string): boolean {
  return TRIGGER_NAME.test(name);
}

/** A mistake in a function's config.json: in its trigger, or anywhere else. */
export interface ConfigProblem {
  about: 'config' | 'trigger';
  message: string;
}

/**
 * Reads a function's config.json text as WeChat does: strict JSON with only `permissions.openapi`
 * (API names) and `triggers` (one `{ name, type: "timer", config: cron }`). Returns what it could read,
 * whether the text was a JSON object at all, and one problem per mistake, each saying what to change.
 */
export function parseFunctionConfig(text: string): { config: FunctionConfig; readable: boolean; problems: ConfigProblem[] } {
  const config: FunctionConfig = { openapi: [], triggers: [] };
  const problems: ConfigProblem[] = [];
  const configProblem = (message: string) => problems.push({ about: 'config', message });
  const triggerProblem = (message: string) => problems.push({ about: 'trigger', message });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    configProblem(jsonSyntaxProblem(text, error));
    return { config, readable: false, problems };
  }
  if (!isPlainObject(parsed)) {
    configProblem('it must be a JSON object such as {"permissions": {"openapi": []}}');
    return { config, readable: false, problems };
  }

  unknownKeys(parsed, CONFIG_KEYS, '').forEach(configProblem);
  const { permissions, triggers } = parsed;
  if (permissions !== undefined) {
    if (!isPlainObject(permissions)) {
      configProblem('"permissions" must be an object: {"openapi": ["analysis.getMonthlyRetain"]}');
    } else {
      unknownKeys(permissions, PERMISSIONS_KEYS, 'permissions.').forEach(configProblem);
      const { openapi } = permissions;
      if (Array.isArray(openapi) && openapi.every((name): name is string => typeof name === 'string')) {
        config.openapi = openapi;
      } else if (openapi !== undefined) {
        configProblem('"permissions.openapi" must be a list of API names such as ["analysis.getMonthlyRetain"]');
      }
    }
  }
  if (Array.isArray(triggers)) {
    if (triggers.length > 1) triggerProblem(`it has ${triggers.length} triggers; WeChat allows one per function: keep one`);
    triggers.forEach((trigger: unknown, index) => {
      const read = readTrigger(trigger, index);
      read.problems.forEach(triggerProblem);
      if (read.trigger !== undefined) config.triggers.push(read.trigger);
    });
  } else if (triggers !== undefined) {
    triggerProblem('"triggers" must be a list: [{"name": "daily", "type": "timer", "config": "0 0 10 * * * *"}]');
  }
  return { config, readable: true, problems };
}

function readTrigger(trigger: unknown, index: number): { trigger?: TimerTrigger; problems: string[] } {
  const where = `triggers[${index}]`;
  if (!isPlainObject(trigger)) return { problems: [`${where} must be an object {"name", "type": "timer", "config"}`] };
  const problems = unknownKeys(trigger, TRIGGER_KEYS, `${where}.`);
  const { name, type, config } = trigger;
  if (typeof name !== 'string' || !isValidTriggerName(name)) {
    problems.push(
      `${where}.name ${JSON.stringify(name)} is not a valid trigger name: use a letter, then letters, digits, _ or - (60 at most)`,
    );
  }
  if (type !== 'timer') problems.push(`${where}.type is ${JSON.stringify(type)}: WeChat cloud functions only have "timer" triggers`);
  if (typeof config !== 'string') {
    problems.push(`${where}.config must be a cron string such as ${CRON_EXAMPLE}`);
  } else {
    for (const problem of cronProblems(config)) problems.push(`${where}.config "${config}" is not a valid cron: ${problem}`);
  }
  if (problems.length > 0 || typeof name !== 'string' || typeof config !== 'string') return { problems };
  return { trigger: { name, type: 'timer', config }, problems };
}

/**
 * Reads project.config.json from `projectRoot`: strict JSON whose `appid` is an AppID as the functions
 * check theirs ({@link APPID_PATTERN}: wx and 16 letters or digits) or the placeholder
 * {@link PLACEHOLDER_APPID}, and whose `cloudfunctionRoot` is "cloudfunctions/". Returns the appid and
 * function root it names, and what to fix.
 */
export function readProjectConfig(projectRoot: string): { config?: ProjectConfig; problems: string[] } {
  const file = path.join(projectRoot, 'project.config.json');
  if (!existsSync(file)) return { problems: ['it is missing: WeChat DevTools and npm run deploy need it at the project root'] };
  let parsed: unknown;
  const text = readFileSync(file, 'utf8');
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { problems: [jsonSyntaxProblem(text, error)] };
  }
  if (!isPlainObject(parsed)) return { problems: ['it must be a JSON object'] };
  const { appid, cloudfunctionRoot } = parsed;
  const problems: string[] = [];
  if (typeof appid !== 'string' || appid === '') problems.push('"appid" is missing: set it to the Mini Program\'s AppID');
  else if (appid !== PLACEHOLDER_APPID && !APPID_PATTERN.test(appid)) {
    problems.push(
      `"appid" is ${JSON.stringify(appid)}, which is no AppID: set it to the Mini Program's (wx and 16 letters or digits, ` +
        `in the Mini Program admin console under 开发管理 → 开发设置), or to "${PLACEHOLDER_APPID}" to open the project in DevTools without one`,
    );
  }
  if (cloudfunctionRoot !== EXPECTED_CLOUDFUNCTION_ROOT) {
    problems.push(
      `"cloudfunctionRoot" is ${JSON.stringify(cloudfunctionRoot)}: set it to "${EXPECTED_CLOUDFUNCTION_ROOT}" so DevTools finds the functions`,
    );
  } else if (!existsSync(path.join(projectRoot, cloudfunctionRoot))) {
    problems.push(`"cloudfunctionRoot" names ${cloudfunctionRoot}, which does not exist: create it or fix the path`);
  }
  if (problems.length > 0 || typeof appid !== 'string' || typeof cloudfunctionRoot !== 'string') return { problems };
  return { config: { appid, cloudfunctionRoot }, problems };
}

function unknownKeys(object: Record<string, unknown>, known: string[], prefix: string): string[] {
  return Object.keys(object)
    .filter((key) => !known.includes(key))
    .map((key) => {
      const where = CONSOLE_SETTINGS.includes(key) ? '; declare it in cloudbaserc.json instead (npm run deploy applies it)' : '';
      const scope = prefix === '' ? 'top-level keys' : `keys of ${prefix.slice(0, -1)}`;
      return `"${prefix}${key}" is not a key WeChat reads: remove it (${scope}: ${known.join(', ')})${where}`;
    });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
