import path from 'path';
import { buildFunctions } from './build';
import { UsageError, commandArguments, parseCommandLine } from './command-line';
import { listenFailureMessage } from '../packages/cloudbase-emulator/src/cli';
import { startEmulator } from '@wx-monthly-analytics/cloudbase-emulator';
import { Caller, InvokeResult, WarmInstance, createFunctionPool, startWarm } from '@wx-monthly-analytics/function-runner';
import { addMonths, lastCompleteMonth } from '../src/dates';

const FUNCTIONS_ROOT = path.resolve(__dirname, '../cloudfunctions');
const DEMO_ADMIN = 'oDemoAdmin0000000000000000001';
const ADMIN: Caller = { kind: 'miniprogram', openid: DEMO_ADMIN };
const TIMER: Caller = { kind: 'timer', triggerName: 'dailyMonthlyAnalyticsSync' };
const STRANGER: Caller = { kind: 'miniprogram', openid: 'oSomeoneElse000000000000000001' };

type Row = Record<string, string | number | null>;

const USAGE = `Usage: npm run start -- [--port N]

Builds the functions, starts the local emulator and calls each function once as an admin, a stranger and
the timer would, printing what they answer; then stops.

  --port N   the emulator's port on 127.0.0.1 (default 0: any free port)
  --help     this text`;

/** Reads `npm run start`'s arguments: the emulator's port; 'help' for --help; throws UsageError on a mistake. */
function parseStartArgs(args: readonly string[]): { port: number } | 'help' {
  const { values } = parseCommandLine(args, { port: { type: 'string' } });
  if (values.help) return 'help';
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || port > 65535) throw new UsageError('--port must be an integer from 0 to 65535');
  return { port };
}

/** An error whose message is the whole report (the emulator's port in use): printed as it is, in one line. */
class StartError extends Error {}

/** A plain text table: one header line, a rule, the rows, columns padded to their widest cell. */
export function renderTable(rows: readonly Row[]): string {
  const first = rows[0];
  if (!first) return '(nothing)';
  const columns = Object.keys(first);
  const cell = (value: string | number | null | undefined) => (value === null || value === undefined ? '—' : String(value));
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)));
  const line = (cells: string[]) => cells.map((text, index) => text.padEnd(widths[index] ?? 0)).join('  ');
  return [line(columns), line(widths.map((width) => '-'.repeat(width))), ...rows.map((row) => line(columns.map((column) => cell(row[column]))))].join('\n');
}

/** A horizontal bar chart, one bar per label, scaled to `width` characters. */
export function renderBars(points: readonly { label: string; value: number }[], width = 40): string {
  const max = Math.max(...points.map((point) => point.value), 1);
  const labelWidth = Math.max(...points.map((point) => point.label.length));
  return points
    .map(({ label, value }) => `${label.padEnd(labelWidth)}  ${'█'.repeat(Math.round((value / max) * width)).padEnd(width)}  ${value.toLocaleString('en-US')}`)
    .join('\n');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- replies are printed field by field; their shapes are asserted by test/e2e
function replyOf(name: string, result: InvokeResult): any {
  if (result.failed || result.timedOut) {
    throw new Error(`${name} did not complete: ${JSON.stringify(result.failed ?? 'timed out')}\n${result.logs.join('\n')}`);
  }
  return result.reply;
}

function heading(text: string): void {
  console.log(`\n== ${text}\n`);
}

async function main({ port }: { port: number }): Promise<void> {
  const built = await buildFunctions();
  console.log(`Built ${built.map(({ name }) => name).join(', ')}.`);
  const env = { ANALYTICS_ADMIN_OPENIDS: DEMO_ADMIN };
  // A function's cloud.callFunction runs the called function in warm instances of its own, as in the cloud.
  const nestedCalls = createFunctionPool({ functionsRoot: FUNCTIONS_ROOT, env });
  const emulator = await startEmulator({ port, functionsRoot: FUNCTIONS_ROOT, invokeFunction: nestedCalls.invokeFunction }).catch(async (error: unknown) => {
    await nestedCalls.close();
    const message = listenFailureMessage(error, port);
    throw message === undefined ? error : new StartError(message);
  });
  const instances: WarmInstance[] = [];
  try {
    const start = async (name: string) => {
      const instance = await startWarm({
        functionDir: path.join(FUNCTIONS_ROOT, name),
        contextUrl: emulator.contextUrl(name),
        env,
      });
      instances.push(instance);
      return instance;
    };
    const retain = await start('getMonthlyRetain');
    const trend = await start('getMonthlyVisitTrend');
    const sync = await start('syncMonthlyAnalytics');
    const month = lastCompleteMonth(new Date());
    console.log(`Local CloudBase emulator at ${emulator.url}; the last complete month (China time) is ${month}.`);

    heading(`getMonthlyRetain {} as an admin (${month})`);
    const retention = replyOf('getMonthlyRetain', await retain.invoke({ caller: ADMIN, data: {} }));
    console.log(`source: ${retention.source}, fetched at ${retention.fetchedAt}, complete: ${retention.data.complete}`);
    const series = (name: string, points: { key: number; value: number; rate: number | null }[]) =>
      points.map((point) => ({ series: name, key: point.key, value: point.value, rate: point.rate === null ? null : `${(point.rate * 100).toFixed(1)}%` }));
    console.log(renderTable([...series('visitUvNew', retention.data.visitUvNew), ...series('visitUv', retention.data.visitUv)]));

    heading(`getMonthlyVisitTrend { month: '${month}' } as an admin`);
    const visits = replyOf('getMonthlyVisitTrend', await trend.invoke({ caller: ADMIN, data: { month } }));
    console.log(renderTable([visits.data]));

    heading('getMonthlyRetain as a user who is not an admin');
    const refused = replyOf('getMonthlyRetain', await retain.invoke({ caller: STRANGER, data: {} }));
    console.log(`${refused.error.code}: ${refused.error.message}`);

    heading('syncMonthlyAnalytics run by its timer');
    emulator.resetCalls();
    const first = replyOf('syncMonthlyAnalytics', await sync.invoke({ caller: TIMER }));
    const firstCalls = emulator.countCalls();
    emulator.resetCalls();
    const second = replyOf('syncMonthlyAnalytics', await sync.invoke({ caller: TIMER }));
    console.log(
      renderTable([
        { run: 'first', fetched: first.data.fetched, skipped: first.data.skipped, failed: first.data.failed, deferred: first.data.deferred, 'WeChat calls': firstCalls },
        { run: 'again', fetched: second.data.fetched, skipped: second.data.skipped, failed: second.data.failed, deferred: second.data.deferred, 'WeChat calls': emulator.countCalls() },
      ]),
    );

    const from = addMonths(month, -11);
    heading(`getMonthlyVisitTrend { from: '${from}', to: '${month}' }: monthly visitors`);
    emulator.resetCalls();
    const range = replyOf('getMonthlyVisitTrend', await trend.invoke({ caller: ADMIN, data: { from, to: month } }));
    const months = range.data as { month: string; ok: boolean; source?: string; data?: { visitUv: number | null } | null }[];
    console.log(renderBars(months.map((entry) => ({ label: entry.month, value: entry.ok ? (entry.data?.visitUv ?? 0) : 0 }))));
    const fromArchive = months.filter((entry) => entry.source === 'archive').length;
    console.log(`\n${fromArchive} of ${months.length} months from the archive; WeChat calls for this dashboard: ${emulator.countCalls()}.`);
  } finally {
    await Promise.all(instances.map((instance) => instance.close()));
    await nestedCalls.close();
    await emulator.close();
  }
}

const options = require.main === module ? commandArguments('start', USAGE, () => parseStartArgs(process.argv.slice(2))) : undefined;
if (options !== undefined) {
  main(options).then(
    () => console.log('\nAll functions answered. Run `npm test` for the full test suite.'),
    (error: unknown) => {
      console.error(error instanceof StartError ? `start: ${error.message}` : error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
