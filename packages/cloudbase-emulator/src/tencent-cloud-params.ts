/** How the fake reads and checks SCF request parameters. */
import { TencentCloudApiError, type FakeFunction } from './tencent-cloud-state';

/** The largest base64 ZipFile SCF's UpdateFunctionCode takes ("最大支持20M", scf_models.d.ts). */
export const FAKE_MAX_ZIP_BASE64 = 20 * 1024 * 1024;

/** InvalidParameterValue.<name>, as SCF answers a value it refuses. */
export function invalid(name: string, why: string): TencentCloudApiError {
  return new TencentCloudApiError(`InvalidParameterValue.${name}`, `${name} ${why}`);
}

/** A required string parameter; MissingParameter when absent. */
export function stringParam(params: Record<string, unknown>, name: string): string {
  const value = params[name];
  if (value === undefined || value === null || value === '') throw new TencentCloudApiError('MissingParameter', `The request is missing a required parameter \`${name}\`.`);
  if (typeof value !== 'string') throw invalid(name, 'must be a string');
  return value;
}

/** An optional integer parameter within `min`..`max`; InvalidParameterValue otherwise. */
export function integerParam(params: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalid(name, `must be an integer from ${min} to ${max}`);
  return value;
}

/** `Code.ZipFile` (or the older top-level `ZipFile`): base64 of a zip, at most {@link FAKE_MAX_ZIP_BASE64} characters. */
export function readZip(params: Record<string, unknown>): Buffer {
  const code = params.Code;
  const zipFile = typeof code === 'object' && code !== null && 'ZipFile' in code ? code.ZipFile : params.ZipFile;
  if (typeof zipFile !== 'string' || zipFile === '') throw new TencentCloudApiError('MissingParameter', 'The request is missing a required parameter `Code.ZipFile`.');
  if (zipFile.length > FAKE_MAX_ZIP_BASE64) throw invalid('ZipFile', `is ${zipFile.length} base64 characters, more than ${FAKE_MAX_ZIP_BASE64}`);
  const zip = Buffer.from(zipFile, 'base64');
  if (zip.readUInt32LE(0) !== 0x04034b50) throw invalid('ZipFile', 'is not a zip file');
  return zip;
}

/** `Environment.Variables`, each with a Key and a non-empty Value; undefined when not given. */
function readVariables(params: Record<string, unknown>): FakeFunction['variables'] | undefined {
  const environment = params.Environment;
  if (environment === undefined) return undefined;
  const variables = typeof environment === 'object' && environment !== null && 'Variables' in environment ? environment.Variables : undefined;
  if (!Array.isArray(variables)) throw invalid('Environment', 'must be {"Variables": [{"Key", "Value"}]}');
  return variables.map((variable: unknown) => {
    const { Key, Value } = (variable ?? {}) as { Key?: unknown; Value?: unknown };
    if (typeof Key !== 'string' || Key === '') throw invalid('Environment', 'has a variable without a Key');
    if (typeof Value !== 'string' || Value === '') throw invalid('Environment', `variable ${Key} has an empty Value (SCF: 变量的值，不可为空字符)`);
    return { Key, Value };
  });
}

/** Applies Timeout (1-900 s), MemorySize (64 or a multiple of 128 MB) and Environment (the whole set) when given. */
export function applySettings(fn: FakeFunction, params: Record<string, unknown>): void {
  fn.timeout = integerParam(params, 'Timeout', 1, 900) ?? fn.timeout;
  const memory = integerParam(params, 'MemorySize', 64, 3072);
  if (memory !== undefined && memory !== 64 && memory % 128 !== 0) throw invalid('MemorySize', 'must be 64 or a multiple of 128 MB');
  fn.memorySize = memory ?? fn.memorySize;
  fn.variables = readVariables(params) ?? fn.variables;
}

/** `InstallDependency`, TRUE or FALSE; `fallback` when not given. */
export function installDependency(params: Record<string, unknown>, fallback: 'TRUE' | 'FALSE'): 'TRUE' | 'FALSE' {
  const value = params.InstallDependency;
  if (value === undefined) return fallback;
  if (value !== 'TRUE' && value !== 'FALSE') throw invalid('InstallDependency', 'must be TRUE or FALSE');
  return value;
}

