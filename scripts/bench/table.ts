/** One row of the results table. */
export interface TableRow {
  what: string;
  ours: string;
  baseline: string;
  /** What no function can beat here (a Node process alone, one raw HTTP POST), or '—'. */
  floor: string;
  target: string;
  met: string;
}

const HEADERS: TableRow = { what: 'what', ours: 'ours', baseline: 'baseline', floor: 'floor', target: 'target', met: 'met?' };

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A GitHub-flavoured markdown table: `headers` names the columns, in order, and each row has a cell for each. */
export function renderMarkdownTable<Row extends { [Column in keyof Row]: string }>(headers: Row, rows: readonly Row[]): string {
  const columns = Object.keys(headers) as (keyof Row)[];
  const line = (row: Row) => `| ${columns.map((column) => escapeCell(row[column])).join(' | ')} |`;
  return [line(headers), `| ${columns.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** A GitHub-flavoured markdown table of `rows`, with the columns what, ours, baseline, floor, target, met?. */
export function renderTable(rows: readonly TableRow[]): string {
  return renderMarkdownTable(HEADERS, rows);
}

/** `value` with `digits` decimals, or `'n/a'` when it is not a finite number. */
export function formatNumber(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

export { formatBytes } from '../format';
