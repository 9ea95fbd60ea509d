import path from 'path';
import type { TimerTrigger } from './config';

/** What deploying one function uploads and sets up. */
export interface FunctionPlan {
  name: string;
  /** The temp folder holding only the uploaded files. */
  stagedDir: string;
  files: { file: string; bytes: number }[];
  /** The open APIs config.json grants (equal to those index.js calls, once the check passed). */
  openapi: string[];
  trigger?: TimerTrigger;
}

/** The Mini Program and cloud environment a deploy targets; `env` is unknown in a dry run without one. */
export interface DeployTarget {
  appid: string;
  env?: string;
}

/** `bytes` as B, KiB or MiB, for people. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The plan as lines: target, then per function its staged size, files, permissions and trigger. */
export function formatPlan(target: DeployTarget, functions: FunctionPlan[]): string[] {
  const nameWidth = Math.max(...functions.map((plan) => plan.name.length), 8);
  const lines = [
    `Deploy plan: appid ${target.appid}, environment ${target.env ?? '(none given: --env ENV_ID or WX_CLOUD_ENV)'}`,
    `Each function is uploaded from a staged copy holding only index.js, config.json and package.json;`,
    `the cloud installs package.json's dependencies (remoteNpmInstall).`,
  ];
  for (const plan of functions) {
    const total = plan.files.reduce((sum, file) => sum + file.bytes, 0);
    const files = plan.files.map((file) => `${file.file} ${formatBytes(file.bytes)}`).join(', ');
    const trigger = plan.trigger === undefined ? 'none' : `${plan.trigger.name} (timer "${plan.trigger.config}")`;
    lines.push(
      `  ${plan.name.padEnd(nameWidth)}  ${formatBytes(total)} staged: ${files}`,
      `  ${''.padEnd(nameWidth)}  permissions: ${plan.openapi.join(', ') || 'none'}`,
      `  ${''.padEnd(nameWidth)}  trigger: ${trigger}`,
    );
  }
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
