import { existsSync, readdirSync } from 'fs';

/** The function folders under `functionsRoot`, sorted: every sub-folder except hidden ones and node_modules; none when it does not exist. */
export function listFunctionFolders(functionsRoot: string): string[] {
  if (!existsSync(functionsRoot)) return [];
  return readdirSync(functionsRoot, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules')
    .map((entry) => entry.name)
    .sort();
}
