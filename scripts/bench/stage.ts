import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'fs';
import os from 'os';
import path from 'path';
import { readFunctionDependencies, stageFunction } from '../deploy/stage';

/** A function folder copied as uploaded, runnable on its own. */
export interface StagedFunction {
  name: string;
  /** The folder the function was copied from. */
  sourceDir: string;
  /** The staged copy: the uploaded files, plus node_modules links when it has dependencies. */
  dir: string;
  /** The uploaded files with their sizes. */
  files: { file: string; bytes: number }[];
  /** The dependencies in its package.json: what the cloud would npm install next to it. */
  dependencies: string[];
}

/** A temporary functions root holding staged function folders; the emulator reads their config.json there. */
export interface Stage {
  root: string;
  functions: ReadonlyMap<string, StagedFunction>;
  /** Deletes the staged copies. */
  remove(): void;
}

/**
 * Copies each function's uploaded files into a fresh folder under the system's temp dir (outside the
 * repository, so nothing resolves from its node_modules by accident). A function whose package.json lists
 * dependencies gets them as links in its own node_modules, as the cloud's npm install would provide them.
 *
 * @param sources - function name and source folder of each function to stage
 * @param packagesFrom - the folder whose node_modules holds the installed dependencies
 */
export function stageFunctions(sources: readonly { name: string; dir: string }[], packagesFrom: string): Stage {
  const root = mkdtempSync(path.join(os.tmpdir(), 'analytics-bench-'));
  const functions = new Map<string, StagedFunction>();
  try {
    for (const { name, dir: sourceDir } of sources) {
      const dir = path.join(root, name);
      const files = stageFunction(sourceDir, dir);
      const dependencies = Object.keys(readFunctionDependencies(sourceDir)).sort();
      for (const dependency of dependencies) {
        const installed = path.join(packagesFrom, 'node_modules', dependency);
        if (!existsSync(installed)) throw new Error(`${name} depends on ${dependency}, which is not installed in ${packagesFrom}`);
        const link = path.join(dir, 'node_modules', dependency);
        mkdirSync(path.dirname(link), { recursive: true });
        symlinkSync(installed, link, 'dir');
      }
      functions.set(name, { name, sourceDir, dir, files, dependencies });
    }
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return { root, functions, remove: () => rmSync(root, { recursive: true, force: true }) };
}
