import path from 'path';
import { formatBytes } from '../format';
import type { TimerTrigger } from './config';
import { UPLOADED_FILES } from './stage';

/** What deploying one function uploads and sets up. */
export interface FunctionPlan {
  name: string;
  /** The temp folder holding only the uploaded files. */
  stagedDir: string;
  files: { file: string; bytes: number }[];
  /** The open APIs config.json grants (equal to those index.js calls, once the check passed). */
  openapi: string[];
  trigger?: TimerTrigger;
  /** package.json `dependencies`: what the cloud installs (remoteNpmInstall); none for a bundled function. */
  dependencies: Record<string, string>;
}

/** The Mini Program and cloud environment a deploy targets; `env` is unknown in a dry run without one. */
export interface DeployTarget {
  appid: string;
  env?: string;
  /** The archive collection named in the reminder; {@link DEFAULT_ARCHIVE_COLLECTION} when absent. */
  archiveCollection?: string;
}

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

/** `a, b and c`. */
function listFiles(files: readonly string[]): string {
  return files.length < 2 ? files.join('') : `${files.slice(0, -1).join(', ')} and ${files.at(-1)}`;
}

function describeDependencies(dependencies: Record<string, string>): string {
  const entries = Object.entries(dependencies);
  if (entries.length === 0) return 'none: index.js is self-contained, nothing is installed in the cloud';
  return `${entries.map(([name, range]) => `${name} ${range}`).join(', ')}, installed by the cloud (remoteNpmInstall)`;
}

/**
 * The plan as lines: target and what is installed, then per function its staged size, files, permissions,
 * trigger and dependencies, then the archive collection's security reminder.
 */
export function formatPlan(target: DeployTarget, functions: FunctionPlan[]): string[] {
  const nameWidth = Math.max(...functions.map((plan) => plan.name.length), 8);
  const lines = [
    `Deploy plan: appid ${target.appid}, environment ${target.env ?? '(none given: --env ENV_ID or WX_CLOUD_ENV)'}`,
    `Each function is uploaded from a staged copy holding only ${listFiles(UPLOADED_FILES)} (those it has).`,
  ];
  if (functions.every((plan) => Object.keys(plan.dependencies).length === 0)) {
    lines.push(
      'Each bundle.js is one self-contained bundle (wx-server-sdk included), index.js loads it through its V8 code cache bundle.cache,',
      'and package.json has no dependencies:',
      'nothing is installed in the cloud.',
    );
  }
  for (const plan of functions) {
    const total = plan.files.reduce((sum, file) => sum + file.bytes, 0);
    const files = plan.files.map((file) => `${file.file} ${formatBytes(file.bytes)}`).join(', ');
    const trigger = plan.trigger === undefined ? 'none' : `${plan.trigger.name} (timer "${plan.trigger.config}")`;
    lines.push(
      `  ${plan.name.padEnd(nameWidth)}  ${formatBytes(total)} staged: ${files}`,
      `  ${''.padEnd(nameWidth)}  permissions: ${plan.openapi.join(', ') || 'none'}`,
      `  ${''.padEnd(nameWidth)}  trigger: ${trigger}`,
      `  ${''.padEnd(nameWidth)}  dependencies: ${describeDependencies(plan.dependencies)}`,
    );
  }
  lines.push(formatCollectionSecurityReminder(target.archiveCollection));
  return lines;
}

/**
 * What the user must still do after an upload: miniprogram-ci does not apply config.json's
 * `permissions.openapi`, so this names each function with the APIs it needs and how to apply them.
 */
export function formatPermissionReminder(functions: FunctionPlan[], env: string, functionsFolder = 'cloudfunctions'): string[] {
  const needing = functions.filter((plan) => plan.openapi.length > 0);
  if (needing.length === 0) return ['No uploaded function calls an open API: there are no permissions to apply.'];
  const nameWidth = Math.max(...needing.map((plan) => plan.name.length));
  const folder = path.posix.join(functionsFolder, '<name>');
  return [
    'Permissions still to apply: miniprogram-ci uploads code but not config.json "permissions", so until',
    'they are applied these functions fail their open-API calls with -604101:',
    ...needing.map((plan) => `  ${plan.name.padEnd(nameWidth)}  ${plan.openapi.join(', ')}`),
    `For each one: in WeChat DevTools open this project with environment ${env}, right-click ${folder}`,
    'and choose "上传并部署：云端安装依赖" (it uploads the folder again and applies its config.json);',
    'or grant the same APIs to the function in the cloud console. WeChat picks the change up within about',
    '10 minutes. Needed once per function, and again whenever its permissions.openapi changes.',
  ];
}
