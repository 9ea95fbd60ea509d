import { execFileSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';
import { buildSync } from 'esbuild';
import { type Summary, summarize } from './stats';

/** What loading a library costs a cold start: the same process with and without it, in milliseconds. */
export interface LibraryCost {
  library: string;
  /** Loading and evaluating a bundle that uses the library, in a new Node process. */
  withLibrary: Summary;
  /** The same computation by hand. */
  without: Summary;
}

/** How dates are computed, with and without dayjs, as a function's bundle does it (UTC mode, strict parsing). */
const DATES_WITH_DAYJS = `
import { chinaMonthOf, parseYearMonth } from ${JSON.stringify(path.resolve(__dirname, '../../src/dates'))};
process.stdout.write(String(chinaMonthOf(new Date()) + parseYearMonth('2024-05')).length > 0 ? '' : 'x');
`;
const DATES_WITHOUT = `
const china = new Date(Date.now() + 8 * 3600 * 1000);
process.stdout.write(String(china.getUTCFullYear()).length > 0 ? '' : 'x');
`;

function bundle(folder: string, name: string, source: string): string {
  const entry = path.join(folder, `${name}.ts`);
  const out = path.join(folder, `${name}.js`);
  writeFileSync(entry, source);
  buildSync({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node16', format: 'cjs', outfile: out, logLevel: 'silent' });
  return out;
}

/** Each run is a new Node process that times its own `require` of the bundle (spawn noise left out). */
function timeRuns(file: string, runs: number, nodePath: string): number[] {
  const script = `const t = process.hrtime.bigint(); require(${JSON.stringify(file)}); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;
  const samples: number[] = [];
  for (let run = 0; run < runs; run += 1) samples.push(Number(execFileSync(nodePath, ['-e', script], { encoding: 'utf8' })));
  return samples;
}

/**
 * The cold-start cost of dayjs (with its `utc` plugin; parsing is strict without `customParseFormat`) in a function's bundle:
 * `runs` new Node processes each loading a bundle of `src/dates.ts`, against a bundle of the same
 * computation by hand, interleaved so that machine load hits both alike, on the `node` at `nodePath`.
 */
export function measureDatesLibrary(runs: number, nodePath = process.execPath): LibraryCost {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'bench-dates-'));
  try {
    const withLibrary = bundle(folder, 'with-dayjs', DATES_WITH_DAYJS);
    const without = bundle(folder, 'without', DATES_WITHOUT);
    const samplesWith: number[] = [];
    const samplesWithout: number[] = [];
    timeRuns(withLibrary, 2, nodePath);
    for (let run = 0; run < runs; run += 1) {
      samplesWith.push(...timeRuns(withLibrary, 1, nodePath));
      samplesWithout.push(...timeRuns(without, 1, nodePath));
    }
    return { library: 'dayjs 1.11 + utc', withLibrary: summarize(samplesWith), without: summarize(samplesWithout) };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
