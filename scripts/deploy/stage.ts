import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'fs';
import path from 'path';

/**
 * The files of a function folder that reach the cloud; the cloud installs package.json's dependencies, if it
 * lists any. A built function is index.js (a loader that checks the runtime), bundle.js (scripts/build/loader.ts)
 * and bundle-lazy.js, the SDK's modules our functions never use, required only on their first use
 * (scripts/build/lazy-modules.ts); a function written by hand may be index.js alone.
 */
export const UPLOADED_FILES = ['index.js', 'bundle.js', 'bundle-lazy.js', 'config.json', 'package.json'] as const;

/** How a function folder's entries divide: what is uploaded, sources kept out, and anything else. */
export interface FolderContents {
  uploaded: string[];
  /** TypeScript sources: bundled into bundle.js by `npm run build`, never uploaded. */
  sources: string[];
  stray: string[];
}

/** Sorts the entries of a function folder into uploaded files, TypeScript sources and stray entries. */
export function readFolderContents(functionDir: string): FolderContents {
  const contents: FolderContents = { uploaded: [], sources: [], stray: [] };
  for (const entry of readdirSync(functionDir, { withFileTypes: true })) {
    if (entry.isFile() && (UPLOADED_FILES as readonly string[]).includes(entry.name)) contents.uploaded.push(entry.name);
    else if (entry.isFile() && entry.name.endsWith('.ts')) contents.sources.push(entry.name);
    else contents.stray.push(entry.isDirectory() ? `${entry.name}/` : entry.name);
  }
  for (const list of Object.values(contents)) list.sort();
  return contents;
}

/**
 * Copies the uploaded files of `functionDir` (those that exist) into `stagedDir`, which it creates.
 * Returns each copied file with its size in bytes.
 */
export function stageFunction(functionDir: string, stagedDir: string): { file: string; bytes: number }[] {
  mkdirSync(stagedDir, { recursive: true });
  const staged: { file: string; bytes: number }[] = [];
  for (const file of UPLOADED_FILES) {
    const source = path.join(functionDir, file);
    if (!existsSync(source)) continue;
    copyFileSync(source, path.join(stagedDir, file));
    staged.push({ file, bytes: statSync(source).size });
  }
  return staged;
}

/**
 * The `dependencies` of a function folder's package.json: what stays outside its bundle and the cloud
 * installs. None when there is no package.json; throws when it is not valid JSON.
 */
export function readFunctionDependencies(functionDir: string): Record<string, string> {
  const file = path.join(functionDir, 'package.json');
  if (!existsSync(file)) return {};
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { dependencies?: Record<string, string> };
  return manifest.dependencies ?? {};
}
