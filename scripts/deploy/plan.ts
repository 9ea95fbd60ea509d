import path from 'path';
import { formatBytes } from '../format';
import type { FunctionPlan, StagedFunction } from './changes';
import { SUPPORTED_FLOOR } from './runtime';
import { formatTriggerChange } from './triggers';
import { ENV_TEMPLATE, displayValue, formatVariableChanges } from './variables';

/** The functions' default `ANALYTICS_COLLECTION`. */
export const DEFAULT_ARCHIVE_COLLECTION = 'analytics_monthly';

/**
 * The archive collection's security rule, in one line: only the cloud functions may use it. `collection`
 * is the `ANALYTICS_COLLECTION` set for the functions, when known.
 */
export function formatCollectionSecurityReminder(collection?: string): string {
  const name = collection === undefined || collection.trim() === '' ? DEFAULT_ARCHIVE_COLLECTION : collection.trim();
  return (
    `Reminder: the archive collection ${name} (ANALYTICS_COLLECTION, default ${DEFAULT_ARCHIVE_COLLECTION}) must allow no client read or write: ` +
    'cloud console → 数据库 → the collection → 数据权限 → 自定义安全规则 {"read": false, "write": false} (only the cloud functions use it). ' +
    'With WECHAT_TRANSPORT https or component, the same for wechat_tokens (WECHAT_TOKEN_COLLECTION) and wechat_authorizers (WECHAT_AUTHORIZER_COLLECTION): they hold tokens.'
  );
}

const LABEL = 13;

function row(label: string, ...values: string[]): string[] {
  return values.map((value, index) => `  ${(index === 0 ? label : '').padEnd(LABEL)}${value}`);
}

function codeRow(staged: StagedFunction): string[] {
  const files = staged.files.map((file) => `${file.file} ${formatBytes(file.bytes)}`).join(', ');
  const install = staged.declared.installDependency ? 'the cloud runs npm install (InstallDependency TRUE)' : 'no cloud npm install (InstallDependency FALSE)';
  return row('code', `${formatBytes(staged.zip.length)} zip of ${files}; ${install}`);
}

function change<T>(before: T | undefined, after: T, unit: string): string {
  return before === undefined || before === after ? `${after}${unit}` : `${before}${unit} → ${after}${unit}`;
}

function retryText(plan: FunctionPlan): string {
  const current = plan.action === 'update' ? plan.remote?.retry?.retryNum : undefined;
  const declared = plan.declared.retryCount;
  if (declared === undefined) return current === undefined ? 'not declared (left as the platform has it)' : `not declared (the function keeps ${current})`;
  return `${change(current, declared, '')} (retries of a failed timer run; the platform's default is 2)`;
}

function triggerRows(plan: FunctionPlan): string[] {
  if (plan.triggerChanges.length === 0) return row('triggers', 'none declared, none on the function');
  const lines = plan.triggerChanges.map(formatTriggerChange);
  if (plan.action === 'recreate' && (plan.remote?.timers.length ?? 0) > 0) lines.push('(the old timers go with the deleted function)');
  return row('triggers', ...lines);
}

/**
 * One function's plan as lines, from the platform's current state: the action, the runtime (and
 * whether the current one is acceptable), time limit, memory, retry count, code, permissions, the
 * environment changes (secrets redacted) and the trigger changes.
 */
export function formatFunctionPlan(plan: FunctionPlan): string[] {
  const heading = plan.action === 'create' ? `create on ${plan.declared.runtime}` : plan.action === 'recreate' ? `recreate on ${plan.declared.runtime} (delete, then create)` : plan.action;
  const lines = [`${plan.name}: ${heading}`, ...row('runtime', plan.runtimeText)];
  if (plan.action === 'refused') return [...lines, ...row('refused', plan.refusal ?? '')];
  const before = plan.action === 'update' ? plan.remote : undefined;
  return [
    ...lines,
    ...row('time limit', change(before?.timeout, plan.declared.timeout, ' s')),
    ...row('memory', change(before?.memorySize, plan.declared.memorySize, ' MB')),
    ...row('retry count', retryText(plan)),
    ...codeRow(plan),
    ...row('permissions', plan.openapi.join(', ') || 'none'),
    ...row('environment', ...formatVariableChanges(plan.variableChanges)),
    ...triggerRows(plan),
  ];
}

/**
 * One function's plan as lines when the platform was not read: what cloudbaserc.json and config.json
 * declare; `{{env.NAME}}` variables say whether the deployer's environment sets them (values redacted
 * when secret).
 */
export function formatDeclaredPlan(staged: StagedFunction, deployer: NodeJS.ProcessEnv): string[] {
  const { declared } = staged;
  const variables: string[] = [];
  const unset: string[] = [];
  for (const [key, spec] of Object.entries(declared.envVariables)) {
    const from = ENV_TEMPLATE.exec(spec)?.[1];
    const value = from === undefined ? spec : deployer[from]?.trim();
    if (from !== undefined && !value) unset.push(from === key ? key : `${key} ($${from})`);
    else variables.push(`${key} = ${displayValue(key, value ?? '')}${from === undefined ? '' : ` (from $${from})`}`);
  }
  if (unset.length > 0) variables.push(`not set in your environment (an existing function keeps its value): ${unset.join(', ')}`);
  return [
    `${staged.name}: create or update (current state not read)`,
    ...row('runtime', `${declared.runtime} for a new function; an existing one keeps its own if ${SUPPORTED_FLOOR} or later, else it is refused`),
    ...row('time limit', `${declared.timeout} s`),
    ...row('memory', `${declared.memorySize} MB`),
    ...row('retry count', declared.retryCount === undefined ? 'not declared' : `${declared.retryCount} (retries of a failed timer run; the platform's default is 2)`),
    ...codeRow(staged),
    ...row('permissions', staged.openapi.join(', ') || 'none'),
    ...row('environment', ...(variables.length > 0 ? variables : ['none declared']), 'variables set in the console and not declared are kept'),
    ...row('triggers', ...(staged.timers.length > 0 ? staged.timers.map((timer) => `${timer.name} "${timer.config}" (created, or replaced if its cron or name changed)`) : ['none declared'])),
  ];
}

/**
 * The one step no tool can do: apply config.json `permissions.openapi`. Only a WeChat DevTools upload
 * applies it (WeChat's cloud-call guide: "在每次使用微信开发者工具上传云函数时"); it is needed once after a
 * function is created or recreated, and again whenever its permissions change.
 *
 * @param fresh - created or recreated functions (they need it now)
 * @param updated - updated functions (they need it only if their permissions changed)
 */
export function formatPermissionStep(fresh: StagedFunction[], updated: StagedFunction[], env: string, functionsFolder = 'cloudfunctions'): string[] {
  const needing = (functions: StagedFunction[]) => functions.filter((fn) => fn.openapi.length > 0);
  const now = needing(fresh);
  const maybe = needing(updated);
  if (now.length === 0 && maybe.length === 0) return ['No deployed function calls an open API: there are no permissions to apply.'];
  const list = (functions: StagedFunction[]) => functions.map((fn) => `    ${fn.name} (${fn.openapi.join(', ')})`);
  return [
    'One step left that no tool can do: apply config.json "permissions" from WeChat DevTools (until then these calls fail with -604101).',
    ...(now.length > 0 ? ['  Needed now (created or recreated by this deploy):', ...list(now)] : []),
    ...(maybe.length > 0 ? ['  Needed only if permissions.openapi changed since their last DevTools upload:', ...list(maybe)] : []),
    `  In WeChat DevTools, open this project on environment ${env} and right-click ${path.posix.join(functionsFolder, '<name>')} → 上传并部署`,
    '  (the folder holds the build this deploy uploaded). WeChat applies the permissions within about 10 minutes.',
  ];
}
