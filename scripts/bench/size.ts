import { existsSync, lstatSync, readFileSync, readdirSync, realpathSync } from 'fs';
import path from 'path';

/** Bytes and files of what npm would install for some packages. */
export interface InstalledSize {
  bytes: number;
  files: number;
  packages: number;
}

function folderSize(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = folderSize(full);
      bytes += inner.bytes;
      files += inner.files;
    } else if (entry.isFile()) {
      bytes += lstatSync(full).size;
      files += 1;
    }
  }
  return { bytes, files };
}

/** Where Node would find package `name` required from inside `fromDir`, as a real path; undefined if nowhere. */
function resolvePackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The size on disk of `packages` and everything they depend on (their `dependencies`, transitively), as
 * installed under `fromDir`'s node_modules: what a cloud npm install of them would put next to a function.
 */
export function installedSize(packages: readonly string[], fromDir: string): InstalledSize {
  const seen = new Set<string>();
  const total: InstalledSize = { bytes: 0, files: 0, packages: 0 };
  const visit = (name: string, requiredFrom: string) => {
    const dir = resolvePackageDir(name, requiredFrom);
    if (!dir || seen.has(dir)) return;
    seen.add(dir);
    const size = folderSize(dir);
    total.bytes += size.bytes;
    total.files += size.files;
    total.packages += 1;
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency, dir);
  };
  for (const name of packages) visit(name, fromDir);
  return total;
}

/**
 * What a staged function folder would carry without needing it: entries other than the uploaded files and
 * node_modules, and dependencies (installed by the cloud) that index.js and bundle.js never require.
 */
export function unneededEntries(dir: string, uploadedFiles: readonly string[], dependencies: readonly string[]): string[] {
  const unneeded = readdirSync(dir).filter((entry) => entry !== 'node_modules' && !uploadedFiles.includes(entry));
  const source = ['index.js', 'bundle.js']
    .map((file) => path.join(dir, file))
    .map((file) => (existsSync(file) ? readFileSync(file, 'utf8') : ''))
    .join('\n');
  for (const dependency of dependencies) {
    const required = source.includes(`require("${dependency}")`) || source.includes(`require('${dependency}')`);
    if (!required) unneeded.push(`node_modules/${dependency} (installed, never required by index.js)`);
  }
  return unneeded;
}
