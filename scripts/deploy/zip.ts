import { readFileSync } from 'fs';
import path from 'path';
import { zipSync, type Zippable } from 'fflate';
import { formatBytes } from '../format';

/**
 * The largest zip the deploy uploads inline (`Code.ZipFile`, base64), 1.5 MiB: the cap CloudBase's own
 * @cloudbase/manager-node 5.6.5 puts on ZipFile uploads (lib/function/index.js getCodeParams: "ZipFile
 * 上传大小上限 1.5MB"; larger code goes through COS there). SCF's model allows more (UpdateFunctionCode
 * ZipFile "最大支持20M" base64), but the tighter cap is the one known to pass CloudBase's gateway. A bundled
 * function zips to about 450 KiB.
 */
export const ZIP_LIMIT_BYTES = 1.5 * 1024 * 1024;

/** Every entry gets this time, so the same files always give the same zip. */
const FIXED_MTIME = new Date('2020-01-01T00:00:00Z');
/** Unix file mode 0644 in the zip's external attributes, so the runtime can read every file. */
const UNIX_ATTRS = (0o100644 << 16) >>> 0;

/**
 * Zips the named files of `stagedDir` (flat, as uploaded) at compression level 9.
 *
 * @returns the zip's bytes
 */
export function zipFolder(stagedDir: string, files: readonly string[]): Buffer {
  const entries: Zippable = {};
  for (const file of files) entries[file] = [readFileSync(path.join(stagedDir, file)), { mtime: FIXED_MTIME, os: 3, attrs: UNIX_ATTRS }];
  return Buffer.from(zipSync(entries, { level: 9 }));
}

/** Why `zip` of function `name` cannot be uploaded, or undefined when it fits {@link ZIP_LIMIT_BYTES}. */
export function zipSizeProblem(name: string, zip: Buffer): string | undefined {
  if (zip.length <= ZIP_LIMIT_BYTES) return undefined;
  return (
    `${name}: its zip is ${formatBytes(zip.length)}, more than the ${formatBytes(ZIP_LIMIT_BYTES)} an inline upload takes: ` +
    'nothing was uploaded. Make the bundle smaller (check what npm run build bundles into bundle.js), or upload it from WeChat DevTools.'
  );
}
